// `candor read` tells the sender when a recipient could not decrypt its message
// (docs/protocol.md §7 `status`/`failedFor`): bob's device (the SDK, on a socket whose bytes
// arrive damaged, as from a broken server) reports it, and alice's `read` shows it once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeServerFrame } from '@candor/protocol'
import { CandorClient, MemoryLocalStore, type WebSocketFactory, type WebSocketLike } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-undecryptable-'))
let server: ServerProcess
let bob: CandorClient | undefined

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  bob?.close()
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

/** The real socket, with the first application message delivered damaged (its last byte flipped). */
function damagingFirstMessage(): WebSocketFactory {
  let damaged = false
  return (url) => {
    const ws = nodeWebSocket(url)
    return new Proxy(ws, {
      set(target, prop, value: WebSocketLike['onmessage']) {
        if (prop !== 'onmessage' || !value) return Reflect.set(target, prop, value)
        target.onmessage = (ev) => {
          const bytes = new Uint8Array(ev.data as ArrayBuffer)
          const f = decodeServerFrame(bytes)
          if (damaged || f.type !== 'deliver' || f.kind !== 0) return value(ev)
          damaged = true
          const copy = new Uint8Array(bytes)
          copy[copy.length - 1]! ^= 1
          value({ data: copy.buffer })
        }
        return true
      },
    })
  }
}

async function alice(...args: string[]) {
  const r = await runCandor(['--server', server.url, '--home', join(dir, 'alice'), ...args])
  expect(r.code, r.stderr).toBe(0)
  return r.stdout
}

describe('candor read and a recipient that could not decrypt', () => {
  it('shows alice that bob’s device could not decrypt her message, once, with status and failedFor', async () => {
    await alice('register', 'alice')
    bob = await CandorClient.register({ server: server.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: damagingFirstMessage() }, 'bob', 'laptop')
    await bob.connect()
    const sent = JSON.parse(await alice('--json', 'send', 'bob', 'can you read this?')) as { id: string; conversation: string; status: string }
    expect(sent.status).toBe('sent')
    // Bounded by time, generous for a loaded machine (a count of short pauses was 20 s).
    const shownBy = Date.now() + 120_000
    while (!(await bob.history(sent.conversation)).some((m) => m.kind === 'undecryptable')) {
      if (Date.now() > shownBy) throw new Error('bob showed nothing')
      await new Promise((r) => setTimeout(r, 100))
    }

    // Alice's device learns of it when it next connects; read prints her message again, failed.
    let lines: Array<Record<string, unknown>> = []
    const readBy = Date.now() + 120_000
    while (lines.length === 0 && Date.now() < readBy) {
      lines = (await alice('read', '--json')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
    }
    expect(lines).toEqual([
      expect.objectContaining({ id: sent.id, text: 'can you read this?', status: 'failed', failedFor: [{ userId: 'bob', deviceId: bob.deviceId, reason: 'decrypt_failed' }] }),
    ])
    // Once: the next read has nothing new.
    expect((await alice('read', '--json')).trim()).toBe('')
  })
})

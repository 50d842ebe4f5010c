// SIGKILL the server in the middle of a burst of sends, restart it on the same data: every
// message acknowledged to its sender is delivered, and none is shown twice.
import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-crash-'))
let server: ServerProcess | undefined
const clients: CandorClient[] = []

afterAll(async () => {
  for (const c of clients) c.close()
  await server?.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

describe('crash recovery', () => {
  it('delivers every acknowledged message exactly once after a SIGKILL mid-burst', async () => {
    server = await startServerProcess(join(dir, 'data'))
    const opts = (store = new MemoryLocalStore()) => ({ server: server!.url, store, crypto: nodeCryptoProvider(), webSocket: nodeWebSocket })
    const alice = await CandorClient.register(opts(), 'alice')
    const bob = await CandorClient.register(opts(), 'bob')
    clients.push(alice, bob)
    await alice.connect()
    await bob.connect()
    const conv = await alice.directConversation('bob')
    await bob.sync()

    const acked = new Set<string>()
    const failed: string[] = []
    const N = 300
    const sends: Promise<void>[] = []
    const fire = (i: number) =>
      sends.push(
        alice.send(conv, `burst ${i}`).then(
          (m) => void acked.add(m.text),
          () => void failed.push(`burst ${i}`),
        ),
      )
    // Waves of 50; the server is killed just after a wave goes out, with it in flight (some of
    // it possibly stored but not yet acknowledged), then comes back on the same port and data.
    const WAVE = 50
    let ackedAtKill = -1
    for (let w = 0; w * WAVE < N; w++) {
      for (let i = w * WAVE; i < (w + 1) * WAVE; i++) fire(i)
      if (w === 3) {
        await new Promise((r) => setImmediate(r))
        ackedAtKill = acked.size
        await server.kill('SIGKILL')
        server = await startServerProcess(join(dir, 'data'), server.port)
      } else {
        await Promise.all(sends)
      }
    }
    await Promise.all(sends)
    expect(ackedAtKill).toBeGreaterThanOrEqual(150)
    expect(ackedAtKill, "the kill landed after the wave was acknowledged").toBeLessThan(200)
    expect(acked.size + failed.length).toBe(N)

    await new Promise((r) => setTimeout(r, 500))
    await bob.sync()
    const received = (await bob.history(conv)).map((m) => m.text)
    for (const text of acked) expect(received, `acknowledged "${text}" was lost`).toContain(text)
    expect(new Set(received).size).toBe(received.length)
  })
})

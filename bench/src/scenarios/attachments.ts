// Scenario "attachments" (docs/protocol.md §2, §2.4): two real SDK clients; one sends a file of
// `mib` MiB (encrypted in chunks on its side, uploaded in 1 MiB pieces), the other downloads and
// decrypts it, checking its SHA-256. The measured window covers both; figures: upload and
// download MiB/s (end to end, client crypto included) and, from the orchestrator, the server's
// CPU per MiB moved (`serverCpuMsPerMiB`: up and down together).
import { randomBytes } from '@candor/protocol'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore, type MessageRecord } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import type { LoadResult, ScenarioContext } from './common.ts'

export interface AttachmentsParams {
  mib: number
}

const crypto = nodeCryptoProvider()
const options = (server: string) => ({ server, store: new MemoryLocalStore(), crypto, webSocket: nodeWebSocket, httpTimeoutMs: 120_000 })

function bytesOf(n: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i += 65536) b.set(randomBytes(Math.min(65536, n - i)), i)
  return b
}

export async function attachmentsScenario(ctx: ScenarioContext, p: AttachmentsParams, port: number): Promise<LoadResult> {
  const server = `http://127.0.0.1:${port}`
  const tag = Math.random().toString(36).slice(2, 8)
  const alice = await CandorClient.register(options(server), `files-a-${tag}`)
  const bob = await CandorClient.register(options(server), `files-b-${tag}`)
  try {
    await alice.connect()
    await bob.connect()
    const conv = await alice.directConversation(bob.userId)
    const bytes = bytesOf(p.mib * 1024 * 1024)
    const got = new Promise<MessageRecord>((resolve) => {
      const off = bob.on('message', (m) => {
        if (m.attachments) {
          off()
          resolve(m)
        }
      })
    })
    ctx.log(`sending ${p.mib} MiB`)
    await ctx.mark('measure-start')
    const t0 = performance.now()
    await alice.sendFile(conv, { name: 'bench.bin', type: 'application/octet-stream', bytes })
    const t1 = performance.now()
    const m = await got
    const t2 = performance.now()
    const back = await bob.downloadAttachment(m)
    const t3 = performance.now()
    await ctx.mark('measure-end')
    if (back.length !== bytes.length) throw new Error('the download differs from the upload')
    return {
      // One "delivered" unit per MiB moved (up and down): main.ts reports the server's CPU per MiB.
      delivered: 2 * p.mib,
      sent: 2 * p.mib,
      deliveredPerSec: (2 * p.mib) / ((t1 - t0 + (t3 - t2)) / 1000),
      extra: {
        mib: p.mib,
        uploadMiBps: Math.round((p.mib / ((t1 - t0) / 1000)) * 10) / 10,
        downloadMiBps: Math.round((p.mib / ((t3 - t2) / 1000)) * 10) / 10,
      },
    }
  } finally {
    alice.close()
    bob.close()
  }
}

// Attachment throughput, measured ad hoc: a real `candor serve` pinned to CPU 0 (blobs in its
// data folder), two SDK clients in this process; one sends a file of --mib MiB (default 20),
// the other downloads it. Prints upload and download MiB/s (end to end: encryption, hashing,
// HTTP, fsync, decryption) and the server's CPU ms per MiB of each, from /proc.
// Run: npx tsx --conditions=candor-source bench/src/attachments-probe.ts [--mib 20] [--runs 3]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore, type MessageRecord } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { processCpuMs } from './proc.ts'
import { startCandor } from './systems/candor.ts'

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}
const MIB = arg('mib', 20)
const RUNS = arg('runs', 3)
const crypto = nodeCryptoProvider()
const options = (server: string) => ({ server, store: new MemoryLocalStore(), crypto, webSocket: nodeWebSocket, httpTimeoutMs: 120_000 })

const dir = mkdtempSync(join(tmpdir(), 'candor-bench-files-'))
const server = await startCandor(dir)
try {
  const url = `http://127.0.0.1:${server.port}`
  const tag = Math.random().toString(36).slice(2, 8)
  const alice = await CandorClient.register(options(url), `files-a-${tag}`)
  const bob = await CandorClient.register(options(url), `files-b-${tag}`)
  await alice.connect()
  await bob.connect()
  const conv = await alice.directConversation(bob.userId)
  const rows: Array<Record<string, number>> = []
  for (let run = 0; run < RUNS; run++) {
    const bytes = randomBytes(MIB * 1024 * 1024)
    const got = new Promise<MessageRecord>((resolve) => {
      const off = bob.on('message', (m) => {
        if (m.attachments) {
          off()
          resolve(m)
        }
      })
    })
    const c0 = processCpuMs(server.pid)
    const t0 = performance.now()
    await alice.sendFile(conv, { name: `run-${run}.bin`, type: 'application/octet-stream', bytes })
    const t1 = performance.now()
    const c1 = processCpuMs(server.pid)
    const m = await got
    const c2 = processCpuMs(server.pid)
    const t2 = performance.now()
    const back = await bob.downloadAttachment(m)
    const t3 = performance.now()
    const c3 = processCpuMs(server.pid)
    if (back.length !== bytes.length) throw new Error('download differs in length')
    rows.push({
      uploadMiBps: Math.round((MIB / ((t1 - t0) / 1000)) * 10) / 10,
      downloadMiBps: Math.round((MIB / ((t3 - t2) / 1000)) * 10) / 10,
      serverCpuMsPerMiBUp: Math.round(((c1 - c0) / MIB) * 10) / 10,
      serverCpuMsPerMiBDown: Math.round(((c3 - c2) / MIB) * 10) / 10,
    })
    process.stderr.write(`run ${run + 1}: ${JSON.stringify(rows.at(-1))}\n`)
  }
  const med = (k: string) => rows.map((r) => r[k]!).sort((a, b) => a - b)[Math.floor(rows.length / 2)]!
  process.stdout.write(`${JSON.stringify({ mib: MIB, runs: RUNS, uploadMiBps: med('uploadMiBps'), downloadMiBps: med('downloadMiBps'), serverCpuMsPerMiBUp: med('serverCpuMsPerMiBUp'), serverCpuMsPerMiBDown: med('serverCpuMsPerMiBDown') })}\n`)
  alice.close()
  bob.close()
} finally {
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
}

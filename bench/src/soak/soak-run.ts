// The soak: a real `candor serve` on SQLite, real SDK clients (CandorClient over real
// WebSockets, each through its own FrameTap) talking in 1:1 conversations and one group, sending
// all the time, while the server is SIGKILLed at random moments and started again on the same
// data. What the server acknowledged and delivered is counted at the taps (ledger.ts).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { FrameTap } from './frame-tap.ts'
import { DUPLICATE_CAUSES, SoakLedger, type DuplicateCause, type SoakVerdict } from './ledger.ts'
import { queueSnapshot } from './queue-snapshot.ts'
import { ServerLife } from './server-life.ts'

export interface SoakOptions {
  kills: number
  /** Devices (one user each, ≥ 2): 1:1 conversations between pairs, and one group of all. */
  devices: number
  /** Sends each device keeps in flight. */
  inflight: number
  /** Uptime before each kill, drawn uniformly (ms) once every device is back online. */
  minUpMs: number
  maxUpMs: number
  /** How long to wait, after the last restart, for every accepted send to be delivered. */
  drainMs: number
  seed: number
  log: (line: string) => void
}

export const DEFAULT_SOAK: Omit<SoakOptions, 'log'> = { kills: 50, devices: 4, inflight: 2, minUpMs: 300, maxUpMs: 3000, drainMs: 60_000, seed: Date.now() % 1_000_000 }

export interface SoakReport {
  options: Omit<SoakOptions, 'log'>
  verdict: SoakVerdict
  seconds: number
  /** Sends the SDK gave up on (its retries failed), by error code. */
  sendFailures: Record<string, number>
  /** Queue rows left in the database at the end (deliveries never acknowledged). */
  leftQueued: number
}

/** mulberry32: the kill moments are reproducible from the seed. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > end) throw new Error(`soak: timed out waiting for ${what}`)
    await sleep(50)
  }
}

interface Device {
  label: string
  client: CandorClient
  tap: FrameTap
  conversations: string[]
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  if (o.devices < 2) throw new Error('soak: at least 2 devices')
  const started = Date.now()
  const rnd = random(o.seed)
  const dir = mkdtempSync(join(tmpdir(), 'candor-soak-'))
  const server = new ServerLife(join(dir, 'data'))
  const ledger = new SoakLedger()
  const devices: Device[] = []
  const sendFailures: Record<string, number> = {}
  let running = false
  const workers: Array<Promise<void>> = []
  try {
    await server.start()
    o.log(`server on port ${server.port}, data in ${server.dataDir}`)
    for (let i = 0; i < o.devices; i++) {
      const label = `soak${i}`
      const tap = await FrameTap.start({ upstreamPort: () => server.port, life: () => ledger.life, ledger: ledger.device(label) })
      const client = await CandorClient.register({ server: tap.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket }, label)
      ledger.device(label).deviceId = client.deviceId
      devices.push({ label, client, tap, conversations: [] })
    }
    for (const d of devices) await d.client.connect()

    // 1:1 between pairs (0,1), (2,3), …; one group of everybody.
    const all = devices.map((d) => d.label)
    for (let i = 0; i + 1 < devices.length; i += 2) {
      const [a, b] = [devices[i]!, devices[i + 1]!]
      const id = await a.client.directConversation(b.label)
      ledger.groups.set(id, [a.label, b.label])
      a.conversations.push(id)
      b.conversations.push(id)
    }
    const group = await devices[0]!.client.createConversation(all.slice(1))
    ledger.groups.set(group, all)
    for (const d of devices) d.conversations.push(group)
    await until(
      'every device to join its conversations',
      () => devices.every((d) => d.conversations.every((c) => d.client.conversations().some((x) => x.id === c))),
      60_000,
    )
    o.log(`${devices.length} devices, ${ledger.groups.size - 1} one-to-one conversations and a group of ${devices.length}`)

    running = true
    let n = 0
    for (const d of devices) {
      for (let w = 0; w < o.inflight; w++) {
        workers.push(
          (async () => {
            while (running) {
              const conv = d.conversations[Math.floor(rnd() * d.conversations.length)]!
              try {
                await d.client.send(conv, `soak ${d.label} ${n++}`)
              } catch (e) {
                const code = (e as { code?: string }).code ?? 'error'
                sendFailures[code] = (sendFailures[code] ?? 0) + 1
                await sleep(100)
              }
            }
          })(),
        )
      }
    }

    const online = () => devices.every((d) => d.client.connectionState === 'online' && d.tap.openRelays > 0)
    for (let k = 1; k <= o.kills; k++) {
      await until('every device back online', online, 120_000)
      await sleep(o.minUpMs + rnd() * (o.maxUpMs - o.minUpMs))
      if (server.crashed) throw new Error(`soak: the server exited by itself: ${server.output()}`)
      const killedAt = Date.now()
      await server.kill()
      ledger.killed(queueSnapshot(server.dataDir), killedAt)
      const v = ledger.verdict()
      const causes = (Object.keys(v.duplicates) as DuplicateCause[]).filter((c) => v.duplicates[c] > 0 && !DUPLICATE_CAUSES[c].allowed).map((c) => `${c} ${v.duplicates[c]}`)
      o.log(
        `kill ${k}/${o.kills}: accepted ${v.accepted}, delivered ${v.delivered}, acks lost with this kill ${v.acksLostPerKill.at(-1)} (oldest sent ${v.oldestLostAckMs.at(-1)} ms before it), violations ${v.violations}${causes.length ? ` (${causes.join(', ')})` : ''}`,
      )
      await server.start()
      // As an app does when the network is back: try at once instead of waiting out the backoff.
      for (const d of devices) d.client.reconnectNow()
    }
    await until('every device back online', online, 120_000)
    await sleep(o.minUpMs)
    running = false
    await Promise.all(workers)
    try {
      await until('every accepted send to reach every recipient', () => ledger.missing().length === 0, o.drainMs)
    } catch {
      // reported as lost below
    }
    // The last acks reach the server; then it stops cleanly and its queue is read.
    await sleep(1000)
    for (const d of devices) d.client.close()
    await server.stop()
    let leftQueued = 0
    for (const s of queueSnapshot(server.dataDir).values()) leftQueued += s.size
    const { log: _log, ...options } = o
    return { options, verdict: ledger.verdict(), seconds: (Date.now() - started) / 1000, sendFailures, leftQueued }
  } finally {
    running = false
    for (const d of devices) {
      d.client.close()
      await d.tap.close()
    }
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

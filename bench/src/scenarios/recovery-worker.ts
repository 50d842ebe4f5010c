// One process of the recovery scenario's honest devices (recovery.ts): real SDK clients, as
// phones would be, several such processes running at once. It answers the coordinator's requests
// over IPC (register, send, read the history) and tells it when a probe arrives, so the
// coordinator measures wall time and sums the CPU of every process.
import { CandorError } from '@candor/protocol'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore, type MessageRecord } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'

export type WorkerRequest =
  | { op: 'init'; server: string; names: string[] }
  | { op: 'create'; user: string; members: string[] }
  | { op: 'status'; conv: string }
  | { op: 'send'; user: string; conv: string; text: string }
  | { op: 'addMembers'; user: string; conv: string; users: string[] }
  | { op: 'lastReset'; user: string; conv: string }
  | { op: 'members'; user: string; conv: string }
  | { op: 'watch'; honest: string[] }
  | { op: 'bad'; messageId: string }
  | { op: 'stats' }
  | { op: 'cpu' }
  | { op: 'close' }

export type FromWorker =
  | { id: number; result?: unknown; error?: { code: string; message: string } }
  | { event: 'probe'; text: string; user: string; at: number }
  | { event: 'log'; text: string }

/** A wall-clock time comparable across processes (ms). */
export const wallNow = (): number => performance.timeOrigin + performance.now()

const crypto = nodeCryptoProvider()
const clients = new Map<string, CandorClient>()
let chatDelivered = 0
let errors = 0
const errorCodes = new Map<string, number>()
let badId = ''
let failedBad: number[] = []
/** Reset lines each device recorded since 'watch'. */
const resets = new Map<string, number>()

function post(m: FromWorker): void {
  process.send?.(m)
}

function client(user: string): CandorClient {
  const c = clients.get(user)
  if (!c) throw new Error(`no device ${user} in this process`)
  return c
}

async function handle(r: WorkerRequest): Promise<unknown> {
  switch (r.op) {
    case 'init': {
      const made: CandorClient[] = []
      for (let i = 0; i < r.names.length; i += 10) {
        const some = r.names.slice(i, i + 10)
        made.push(...(await Promise.all(some.map((name) => CandorClient.register({ server: r.server, store: new MemoryLocalStore(), crypto, webSocket: nodeWebSocket, httpTimeoutMs: 60_000 }, name)))))
      }
      for (const c of made) {
        clients.set(c.userId, c)
        c.on('error', (e) => {
          if (badId && e.where.includes(badId)) failedBad.push(wallNow())
          errors++
          const code = e.error instanceof CandorError ? e.error.code : 'other'
          errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1)
          if (errorCodes.get(code) === 1) post({ event: 'log', text: `first client error ${code} (pid ${process.pid}): ${e.where}: ${e.error instanceof Error ? e.error.message : String(e.error)}` })
        })
        await c.connect()
      }
      return made.map((c) => c.userId)
    }
    case 'create':
      return client(r.user).createConversation(r.members)
    case 'status':
      // Reset lines are counted as they arrive ('watch'): reading every history each poll would be the bench's own load.
      return [...clients.values()].map((c) => ({
        user: c.userId,
        active: c.conversations().some((v) => v.id === r.conv && v.status === 'active'),
        resets: resets.get(c.userId) ?? 0,
      }))
    case 'send':
      await client(r.user).send(r.conv, r.text)
      return true
    case 'addMembers':
      await client(r.user).addMembers(r.conv, r.users)
      return true
    case 'lastReset': {
      const line = (await client(r.user).history(r.conv)).filter((m) => m.kind === 'reset').at(-1)
      return (line?.reset?.leftOut ?? []).map((l) => l.userId)
    }
    case 'members':
      return client(r.user).conversations().find((v) => v.id === r.conv)?.members ?? []
    case 'watch': {
      const honest = new Set(r.honest)
      for (const c of clients.values()) {
        c.on('message', (m: MessageRecord) => {
          if (m.kind === 'reset') resets.set(c.userId, (resets.get(c.userId) ?? 0) + 1)
          if (m.direction !== 'in' || !honest.has(m.from)) return
          if (m.text.startsWith('chat ')) chatDelivered++
          else if (m.text.startsWith('probe ')) post({ event: 'probe', text: m.text, user: c.userId, at: wallNow() })
        })
      }
      return true
    }
    case 'bad':
      badId = r.messageId
      failedBad = []
      return true
    case 'stats':
      return { chatDelivered, errors, errorCodes: [...errorCodes], failedBad }
    case 'cpu': {
      const u = process.cpuUsage()
      return (u.user + u.system) / 1000
    }
    case 'close':
      for (const c of clients.values()) c.close()
      setTimeout(() => process.exit(0), 100)
      return true
  }
}

process.on('message', (m: { id: number } & WorkerRequest) => {
  handle(m).then(
    (result) => post({ id: m.id, result }),
    (e: unknown) => post({ id: m.id, error: { code: e instanceof CandorError ? e.code : 'other', message: e instanceof Error ? e.message : String(e) } }),
  )
})
// The coordinator went away: so does this process.
process.on('disconnect', () => process.exit(0))

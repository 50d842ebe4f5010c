// Scenario "recovery" (docs/protocol.md §5.1, §5.3, §5.4): a group of `members` real SDK clients
// and one hostile member that, for `attackMs`, posts commits nobody can process: each round a
// junk commit (which the server refuses: it validates commits against the group's public state,
// counted as `junkRefused`) and then a commit with a wrong confirmation tag (which the server
// cannot check, and accepts). The honest members report it, one resets the
// conversation without the hostile member, and they talk on; then one of them adds the hostile
// member back (as anyone may after a reset) and it strikes again. Meanwhile the honest members
// chat. Figures: the time from each bad commit to the group talking again (a message sent after
// the reset reaching every other honest member; median and max), and the chat messages delivered
// to honest members (of those sent, each expected at every other honest member).
//
// Devices run as phones do, in parallel: the honest members are spread over `procs` worker
// processes (recovery-worker.ts) free on every CPU; the measured sender (the member who sends
// each round's probe) and the creator (leaf 0, first in turn to reset) each alone in one more;
// the hostile member in this process (it crafts its commits from its own store). Besides wall times (noisy on a shared machine), each reset's CPU
// is summed over every process, and given per device: each process's CPU divided by its devices
// (the measured sender's and the creator's processes are one device exactly).
import { CandorError, fromBase64Url, newMessageId, randomBytes, toBase64Url } from '@candor/protocol'
import {
  DirectoryAuthenticationService,
  clientConfigWith,
  commitWithWrongConfirmationTag,
  epochOf,
  getSuites,
  groupInfoForExternalJoin,
  junkCommit,
  loadState,
  ownLeafIndex,
} from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { spawn, type ChildProcess } from 'node:child_process'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { median } from '../stats.ts'
import { wallNow, type FromWorker, type WorkerRequest } from './recovery-worker.ts'
import { sleep, type LoadResult, type ScenarioContext } from './common.ts'

export interface RecoveryParams {
  members: number
  attackMs: number
  /** An honest member sends a chat message this often; 0: no chat (only each round's probe). */
  chatEveryMs: number
  /** Worker processes for the honest members other than the measured sender and the creator (default: the machine's cores). */
  procs?: number
}

const crypto = nodeCryptoProvider()
const WORKER = fileURLToPath(new URL('./recovery-worker.ts', import.meta.url))

function options(server: string, store = new MemoryLocalStore()) {
  return { server, store, crypto, webSocket: nodeWebSocket, httpTimeoutMs: 60_000 }
}

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const end = performance.now() + timeoutMs
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** The MLS group the hostile device uses for the conversation now (read from its own store). */
async function currentGroup(store: MemoryLocalStore, conversation: string): Promise<string | undefined> {
  let best: { id: string; createdAt: number } | undefined
  for (const key of await store.keys('conv/')) {
    const meta = JSON.parse((await store.get(key))!) as { id: string; createdAt: number; status: string; conversation?: string }
    if ((meta.conversation ?? meta.id) !== conversation || meta.status !== 'active') continue
    if (!best || meta.createdAt >= best.createdAt) best = meta
  }
  return best?.id
}

/** A worker process of honest devices, driven over IPC. */
class Worker {
  readonly child: ChildProcess
  readonly users: string[] = []
  #next = 1
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>()

  constructor(onEvent: (m: Extract<FromWorker, { event: string }>) => void) {
    // Free on every CPU (the load generator itself is pinned to one, so its affinity is not the machine's): devices run in parallel.
    const all = `0-${cpus().length - 1}`
    const prof = process.execArgv.includes('--cpu-prof') ? process.execArgv.filter((a, i, all) => a.startsWith('--cpu-prof') || all[i - 1] === '--cpu-prof-dir') : []
    this.child = spawn('taskset', ['-c', all, process.execPath, ...prof, '--conditions=candor-source', '--import', 'tsx', WORKER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.child.on('message', (m: FromWorker) => {
      if ('event' in m) return onEvent(m)
      const w = this.#waiting.get(m.id)
      this.#waiting.delete(m.id)
      if (m.error) w?.reject(new CandorError(m.error.code as never, m.error.message))
      else w?.resolve(m.result)
    })
    this.child.on('exit', () => {
      for (const w of this.#waiting.values()) w.reject(new Error(`recovery worker ${this.child.pid} exited`))
      this.#waiting.clear()
    })
  }

  call<T>(r: WorkerRequest): Promise<T> {
    const id = this.#next++
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.child.send({ id, ...r })
    })
  }
}

export async function recoveryScenario(ctx: ScenarioContext, p: RecoveryParams, port: number): Promise<LoadResult> {
  const server = `http://127.0.0.1:${port}`
  const setup = performance.now()
  const took = () => `${((performance.now() - setup) / 1000).toFixed(0)} s`
  const suite = await getSuites(crypto)
  const run = Math.random().toString(36).slice(2, 8)
  const procs = Math.max(1, p.procs ?? cpus().length)
  // Probes: who has each; chat and errors are counted in the workers.
  const probes = new Map<string, Set<string>>()
  const onEvent = (m: Extract<FromWorker, { event: string }>) => {
    if (m.event === 'log') ctx.log(m.text)
    else if (m.event === 'probe') probes.get(m.text)?.add(m.user)
  }
  // Worker 0: the measured sender alone; worker 1: the creator alone (leaf 0: the first in turn
  // to reset, recovery.ts in the SDK, so its work is on the path measured); workers 2..procs+1:
  // the other honest members, round robin.
  const workers = Array.from({ length: procs + 2 }, () => new Worker(onEvent))
  ctx.pids?.(workers.map((w) => w.child.pid ?? 0))
  const names = Array.from({ length: p.members }, (_, i) => `r${run}-${i}`)
  const placed: string[][] = workers.map(() => [])
  // Member 1 sends the probes, member 0 creates the conversation.
  placed[0]!.push(names[1]!)
  placed[1]!.push(names[0]!)
  names.slice(2).forEach((n, i) => placed[2 + (i % procs)]!.push(n))
  await Promise.all(workers.map(async (w, i) => w.users.push(...(await w.call<string[]>({ op: 'init', server, names: placed[i]! })))))
  const where = new Map<string, Worker>()
  for (const w of workers) for (const u of w.users) where.set(u, w)
  const on = (user: string) => where.get(user)!
  const hostileStore = new MemoryLocalStore()
  const hostile = await CandorClient.register(options(server, hostileStore), `r${run}-hostile`)
  ctx.log(`registered ${p.members + 1} devices in ${workers.length} processes and this one (measured sender alone, creator alone; ${workers
    .slice(2)
    .map((w) => w.users.length)
    .join(' + ')} others; the hostile member here) (${took()})`)
  let hostileErrors = 0
  hostile.on('error', () => hostileErrors++)
  await hostile.connect()
  ctx.log(`connected (${took()})`)
  const honestNames = names
  const creator = names[0]!
  const measuredSender = names[1]!
  const conv = await on(creator).call<string>({ op: 'create', user: creator, members: [...names.slice(1), hostile.userId] })
  ctx.log(`conversation created (${took()})`)
  const status = async () => (await Promise.all(workers.map((w) => w.call<Array<{ user: string; active: boolean; resets: number }>>({ op: 'status', conv })))).flat()
  // Setup, not measured: each joiner checks every member's key against the directory.
  await until(async () => (await status()).every((s) => s.active) && hostile.conversations().some((v) => v.id === conv && v.status === 'active'), 'everyone to join', 900_000)
  ctx.log(`${p.members} members and a hostile one in conversation ${conv} (${took()})`)
  await Promise.all(workers.map((w) => w.call({ op: 'watch', honest: honestNames })))

  // The honest members chat all along; every message is expected at every other honest member.
  let chatSent = 0
  let chatFailed = 0
  let chatting = true
  const chatter = (async () => {
    for (let n = 0; chatting && p.chatEveryMs > 0; n++) {
      const who = honestNames[n % honestNames.length]!
      chatSent++
      on(who)
        .call({ op: 'send', user: who, conv, text: `chat ${n}` })
        .catch((e: unknown) => {
          if (chatFailed++ === 0) ctx.log(`first failed chat send: ${e instanceof CandorError ? `${e.code}: ` : ''}${e instanceof Error ? e.message : String(e)}`)
        })
      await sleep(p.chatEveryMs)
    }
  })()

  const resetsOf = async () => new Map((await status()).map((s) => [s.user, s.resets]))
  // CPU of every process (ms): the workers' and this one's.
  const cpuNow = async () => [...(await Promise.all(workers.map((w) => w.call<number>({ op: 'cpu' })))), (process.cpuUsage().user + process.cpuUsage().system) / 1000]
  const samples: number[] = []
  const cpuSums: number[] = []
  const cpuPerDevice: number[] = []
  const cpuSender: number[] = []
  const cpuResetter: number[] = []
  let probeRetries = 0
  let refused = 0
  let junkRefused = 0
  let honestLeftOut = 0
  await ctx.mark('measure-start')
  const t0 = performance.now()
  // Each round ends with a reset: the group ends up without the hostile member.
  for (let round = 0; ; round++) {
    const groupId = await currentGroup(hostileStore, conv)
    if (!groupId) throw new Error('the hostile member is in no group of the conversation')
    const state = loadState((await hostileStore.get(`state/${groupId}`))!, clientConfigWith(new DirectoryAuthenticationService(async () => null)))
    const epoch = epochOf(state)
    // First junk with a valid header: refused by the server, the group does not notice.
    try {
      const junk = junkCommit(fromBase64Url(groupId)!, epoch, randomBytes, ownLeafIndex(state))
      await hostile.api.commit(groupId, { messageId: newMessageId(), commit: toBase64Url(junk), groupInfo: toBase64Url(await groupInfoForExternalJoin(suite, state)) })
      throw new Error(`round ${round}: the server accepted a junk commit`)
    } catch (e) {
      if (!(e instanceof CandorError) || e.code !== 'invalid_mls_message') throw e
      junkRefused++
    }
    const bad = await commitWithWrongConfirmationTag(suite, state)
    const before = await resetsOf()
    const badMessageId = newMessageId()
    await Promise.all(workers.map((w) => w.call({ op: 'bad', messageId: badMessageId })))
    const cpuStruck = await cpuNow()
    const struck = performance.now()
    const struckWall = wallNow()
    try {
      await hostile.api.commit(groupId, { messageId: badMessageId, commit: toBase64Url(bad.commit), groupInfo: toBase64Url(bad.groupInfo) })
    } catch (e) {
      if (!(e instanceof CandorError)) throw e
      refused++
      ctx.log(`round ${round}: the server refused the bad commit (${e.code}); trying again`)
      if (performance.now() - t0 >= p.attackMs) break
      await sleep(200)
      continue
    }
    // Talking again: every honest member moved on, and a message sent after that reaches all of them.
    const saw: number[] = []
    await until(async () => {
      const now = await resetsOf()
      const moved = [...now].filter(([u, n]) => n > before.get(u)!).length
      while (saw.length < moved) saw.push(performance.now() - struck)
      return moved === honestNames.length
    }, `round ${round}: everyone to see the reset`, 900_000)
    const failedAt = (await Promise.all(workers.map((w) => w.call<{ failedBad: number[] }>({ op: 'stats' })))).flatMap((s) => s.failedBad).sort((a, b) => a - b)
    const failed = failedAt.map((t) => (t - struckWall).toFixed(0))
    ctx.log(`round ${round}: ${failed.length} members failed the bad commit, the first after ${failed[0] ?? '-'} ms, half after ${failed[Math.floor(failed.length / 2)] ?? '-'} ms, the last after ${failed.at(-1) ?? '-'} ms`)
    ctx.log(`round ${round}: first member saw the reset after ${saw[0]!.toFixed(0)} ms, half after ${saw[Math.floor(saw.length / 2)]!.toFixed(0)} ms, all after ${saw.at(-1)!.toFixed(0)} ms`)
    // Honest members the reset left out (no key package claimed in time, on a loaded machine) are
    // counted, not waited for: anyone can add them back.
    const out = new Set((await on(creator).call<string[]>({ op: 'lastReset', user: creator, conv })).filter((u) => names.includes(u)))
    honestLeftOut += out.size
    const inGroup = honestNames.filter((u) => !out.has(u))
    // The measured sender, alone in its process; another member if the reset left it out.
    const talker = inGroup.includes(measuredSender) ? measuredSender : inGroup[1 + (round % (inGroup.length - 1))]!
    const probe = `probe ${round}`
    probes.set(probe, new Set())
    // A send the overloaded server did not answer (`unavailable`, `rate_limited`) is sent again, as
    // a person would, and counted: it is the machine's load, not the reset.
    for (;;) {
      try {
        await on(talker).call({ op: 'send', user: talker, conv, text: probe })
        break
      } catch (e) {
        if (!(e instanceof CandorError) || (e.code !== 'unavailable' && e.code !== 'rate_limited')) throw e
        probeRetries++
        ctx.log(`round ${round}: the probe was not sent (${e.code}: ${e.message}); sending it again`)
        await sleep(200)
      }
    }
    await until(() => [...probes.get(probe)!].filter((u) => inGroup.includes(u)).length === inGroup.length - 1, `round ${round}: the probe to reach everyone`, 900_000)
    const ms = performance.now() - struck
    samples.push(ms)
    // CPU of every process from the bad commit to talking again: less sensitive to other processes
    // on the machine than the wall-clock figure. Per device: each process's share, evenly.
    const cpuEnd = await cpuNow()
    const used = cpuEnd.map((c, i) => c - cpuStruck[i]!)
    cpuSums.push(used.reduce((a, b) => a + b, 0))
    workers.forEach((w, i) => {
      for (let k = 0; k < w.users.length; k++) cpuPerDevice.push(used[i]! / w.users.length)
    })
    cpuSender.push(used[0]!)
    cpuResetter.push(used[1]!)
    ctx.log(
      `round ${round} (junk refused, then a wrong confirmation tag): talking again after ${ms.toFixed(0)} ms; CPU ${cpuSums.at(-1)!.toFixed(0)} ms in all (by process: ${used.map((u) => u.toFixed(0)).join(', ')}; the last is the coordinator with the hostile member)`,
    )
    if (performance.now() - t0 >= p.attackMs) break
    // Anyone can add the person left out back; it strikes again.
    const adder = inGroup[round % inGroup.length]!
    await on(adder).call({ op: 'addMembers', user: adder, conv, users: [hostile.userId] })
    await until(async () => (await currentGroup(hostileStore, conv)) !== undefined && (await currentGroup(hostileStore, conv)) !== groupId, `round ${round}: the hostile member to be added back`, 900_000)
  }
  chatting = false
  await chatter
  // Let the last chat messages arrive before counting.
  await sleep(1000)
  const seconds = (performance.now() - t0) / 1000
  await ctx.mark('measure-end')
  const stats = await Promise.all(workers.map((w) => w.call<{ chatDelivered: number; errors: number; errorCodes: Array<[string, number]> }>({ op: 'stats' })))
  const chatDelivered = stats.reduce((a, s) => a + s.chatDelivered, 0)
  const errors = stats.reduce((a, s) => a + s.errors, 0) + hostileErrors
  const errorCodes = new Map<string, number>()
  for (const s of stats) for (const [k, v] of s.errorCodes) errorCodes.set(k, (errorCodes.get(k) ?? 0) + v)
  const members = await on(creator).call<string[]>({ op: 'members', user: creator, conv })
  hostile.close()
  await Promise.all(workers.map((w) => w.call({ op: 'close' }).catch(() => undefined)))
  return {
    deliveredPerSec: chatDelivered / seconds,
    delivered: chatDelivered,
    sent: chatSent,
    refused,
    extra: {
      recoveries: samples.length,
      junkRefused,
      procs: workers.length,
      recoverMedianMs: Math.round(median(samples)),
      recoverMaxMs: Math.round(Math.max(...samples)),
      recoverCpuSumMedianMs: Math.round(median(cpuSums)),
      recoverCpuSumMaxMs: Math.round(Math.max(...cpuSums)),
      recoverCpuPerDeviceMedianMs: Math.round(median(cpuPerDevice)),
      recoverCpuPerDeviceMaxMs: Math.round(Math.max(...cpuPerDevice)),
      recoverCpuSenderMedianMs: Math.round(median(cpuSender)),
      recoverCpuCreatorMedianMs: Math.round(median(cpuResetter)),
      probeRetries,
      chatSent,
      chatFailed,
      chatDelivered,
      chatExpected: chatSent * (honestNames.length - 1),
      honestLeftOut,
      hostileInGroupAtEnd: members.includes(hostile.userId) ? 'yes' : 'no',
      clientErrors: errors,
      ...(errors > 0 ? { clientErrorCodes: [...errorCodes].map(([k, v]) => `${k}:${v}`).join('/') } : {}),
    },
  }
}

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
import { vrfVerifyStats } from '@candor/transparency'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { CandorClient, MemoryLocalStore, type MessageRecord } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { median } from '../stats.ts'
import { sleep, type LoadResult, type ScenarioContext } from './common.ts'

export interface RecoveryParams {
  members: number
  attackMs: number
  /** An honest member sends a chat message this often; 0: no chat (only each round's probe). */
  chatEveryMs: number
}

const crypto = nodeCryptoProvider()

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

export async function recoveryScenario(ctx: ScenarioContext, p: RecoveryParams, port: number): Promise<LoadResult> {
  const server = `http://127.0.0.1:${port}`
  const setup = performance.now()
  const took = () => `${((performance.now() - setup) / 1000).toFixed(0)} s`
  const suite = await getSuites(crypto)
  const run = Math.random().toString(36).slice(2, 8)
  const honest: CandorClient[] = []
  for (let i = 0; i < p.members; i += 10) {
    honest.push(...(await Promise.all(Array.from({ length: Math.min(10, p.members - i) }, (_, j) => CandorClient.register(options(server), `r${run}-${i + j}`)))))
  }
  const hostileStore = new MemoryLocalStore()
  const hostile = await CandorClient.register(options(server, hostileStore), `r${run}-hostile`)
  const all = [...honest, hostile]
  ctx.log(`registered ${all.length} devices (${took()})`)
  let errors = 0
  const errorCodes = new Map<string, number>()
  // The bad commit of the round, and when each honest member failed it (processed it): how long
  // the commit waited in the members' queues, apart from the reset's own work.
  let badId = ''
  let failedBad: number[] = []
  for (const c of all) {
    c.on('error', (e) => {
      if (badId && e.where.includes(badId) && c !== all.at(-1)) failedBad.push(performance.now())
      errors++
      const code = e.error instanceof CandorError ? e.error.code : 'other'
      errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1)
      // The first of each code, in full, for the log: what failed, not only how often.
      if (errorCodes.get(code) === 1) ctx.log(`first client error ${code}: ${e.where}: ${e.error instanceof Error ? e.error.message : String(e.error)}`)
    })
    await c.connect()
  }
  ctx.log(`connected (${took()})`)
  const [creator] = honest
  const conv = await creator!.createConversation(all.slice(1).map((c) => c.userId))
  ctx.log(`conversation created (${took()})`)
  // Setup, not measured: each joiner checks every member's key against the directory.
  await until(() => all.every((c) => c.conversations().some((v) => v.id === conv && v.status === 'active')), 'everyone to join', 900_000)
  ctx.log(`${p.members} members and a hostile one in conversation ${conv} (${took()})`)

  // The honest members chat all along; every message is expected at every other honest member.
  const honestIds = new Set(honest.map((c) => c.userId))
  let chatSent = 0
  let chatFailed = 0
  let chatDelivered = 0
  const probes = new Map<string, Set<string>>()
  for (const c of honest) {
    c.on('message', (m: MessageRecord) => {
      if (m.direction !== 'in' || !honestIds.has(m.from)) return
      if (m.text.startsWith('chat ')) chatDelivered++
      else if (m.text.startsWith('probe ')) probes.get(m.text)?.add(c.userId)
    })
  }
  let chatting = true
  const chatter = (async () => {
    for (let n = 0; chatting && p.chatEveryMs > 0; n++) {
      const who = honest[n % honest.length]!
      chatSent++
      who.send(conv, `chat ${n}`).catch((e: unknown) => {
        if (chatFailed++ === 0) ctx.log(`first failed chat send: ${e instanceof CandorError ? `${e.code}: ` : ''}${e instanceof Error ? e.message : String(e)}`)
      })
      await sleep(p.chatEveryMs)
    }
  })()

  const resets = async (c: CandorClient) => (await c.history(conv)).filter((m) => m.kind === 'reset').length
  const samples: number[] = []
  const cpuSamples: number[] = []
  let probeRetries = 0
  let refused = 0
  let junkRefused = 0
  let honestLeftOut = 0
  await ctx.mark('measure-start')
  const t0 = performance.now()
  // Directory VRF proofs all clients of this process checked in full (and found already checked).
  const vrf0 = vrfVerifyStats()
  // How late the load generator's event loop runs (all clients share it): its saturation.
  const loop = monitorEventLoopDelay({ resolution: 20 })
  loop.enable()
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
    const before = await Promise.all(honest.map(resets))
    const struck = performance.now()
    const cpuStruck = process.cpuUsage()
    const badMessageId = newMessageId()
    badId = badMessageId
    failedBad = []
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
      const now = await Promise.all(honest.map(resets))
      const moved = now.filter((n, i) => n > before[i]!).length
      while (saw.length < moved) saw.push(performance.now() - struck)
      return moved === honest.length
    }, `round ${round}: everyone to see the reset`, 900_000)
    const failed = failedBad.map((t) => (t - struck).toFixed(0))
    ctx.log(`round ${round}: ${failed.length} members failed the bad commit, the first after ${failed[0] ?? '-'} ms, half after ${failed[Math.floor(failed.length / 2)] ?? '-'} ms, the last after ${failed.at(-1) ?? '-'} ms`)
    ctx.log(`round ${round}: first member saw the reset after ${saw[0]!.toFixed(0)} ms, half after ${saw[Math.floor(saw.length / 2)]!.toFixed(0)} ms, all after ${saw.at(-1)!.toFixed(0)} ms`)
    // Honest members the reset left out (no key package claimed in time, on a loaded machine) are
    // counted, not waited for: anyone can add them back.
    const line = (await creator!.history(conv)).filter((m) => m.kind === 'reset').at(-1)
    const out = new Set((line?.reset?.leftOut ?? []).map((l) => l.userId).filter((u) => honestIds.has(u)))
    honestLeftOut += out.size
    const inGroup = honest.filter((c) => !out.has(c.userId))
    const talker = inGroup[1 + (round % (inGroup.length - 1))]!
    const probe = `probe ${round}`
    probes.set(probe, new Set())
    // A send the overloaded server did not answer (`unavailable`, `rate_limited`) is sent again, as
    // a person would, and counted: it is the machine's load, not the reset.
    for (;;) {
      try {
        await talker.send(conv, probe)
        break
      } catch (e) {
        if (!(e instanceof CandorError) || (e.code !== 'unavailable' && e.code !== 'rate_limited')) throw e
        probeRetries++
        ctx.log(`round ${round}: the probe was not sent (${e.code}: ${e.message}); sending it again`)
        await sleep(200)
      }
    }
    await until(() => probes.get(probe)!.size === inGroup.length - 1, `round ${round}: the probe to reach everyone`, 900_000)
    const ms = performance.now() - struck
    samples.push(ms)
    // The load generator's CPU (all 51 devices, one process) from the bad commit to talking again:
    // less sensitive to other processes on the machine than the wall-clock figure.
    const cpu = process.cpuUsage(cpuStruck)
    cpuSamples.push((cpu.user + cpu.system) / 1000)
    ctx.log(`round ${round} (junk refused, then a wrong confirmation tag): talking again after ${ms.toFixed(0)} ms, load generator CPU ${cpuSamples.at(-1)!.toFixed(0)} ms`)
    if (performance.now() - t0 >= p.attackMs) break
    // Anyone can add the person left out back; it strikes again.
    await honest[round % honest.length]!.addMembers(conv, [hostile.userId])
    await until(async () => (await currentGroup(hostileStore, conv)) !== undefined && (await currentGroup(hostileStore, conv)) !== groupId, `round ${round}: the hostile member to be added back`, 900_000)
  }
  chatting = false
  await chatter
  // Let the last chat messages arrive before counting.
  await sleep(1000)
  const seconds = (performance.now() - t0) / 1000
  const vrf1 = vrfVerifyStats()
  loop.disable()
  await ctx.mark('measure-end')
  const members = honest[0]!.conversations().find((v) => v.id === conv)?.members ?? []
  for (const c of all) c.close()
  return {
    deliveredPerSec: chatDelivered / seconds,
    delivered: chatDelivered,
    sent: chatSent,
    refused,
    extra: {
      recoveries: samples.length,
      junkRefused,
      recoverMedianMs: Math.round(median(samples)),
      recoverMaxMs: Math.round(Math.max(...samples)),
      recoverCpuMedianMs: Math.round(median(cpuSamples)),
      probeRetries,
      chatSent,
      chatFailed,
      chatDelivered,
      chatExpected: chatSent * (honest.length - 1),
      honestLeftOut,
      hostileInGroupAtEnd: members.includes(hostile.userId) ? 'yes' : 'no',
      loopDelayP50Ms: Math.round(loop.percentile(50) / 1e6),
      loopDelayP99Ms: Math.round(loop.percentile(99) / 1e6),
      vrfVerified: vrf1.verified - vrf0.verified,
      vrfRemembered: vrf1.remembered - vrf0.remembered,
      clientErrors: errors,
      ...(errors > 0 ? { clientErrorCodes: [...errorCodes].map(([k, v]) => `${k}:${v}`).join('/') } : {}),
    },
  }
}

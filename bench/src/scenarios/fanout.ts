// Scenario 3: groups of `groupSize` devices; each group keeps `window` messages in flight, a
// message being in flight until its last member has it. Members take turns to send.
// Figures: deliveries per second (one per member reached) and latency to the last member.
import { Samples } from '../stats.ts'
import { sleep, type LoadResult, type ScenarioContext } from './common.ts'

export interface FanoutParams {
  clients: number
  groupSize: number
  payloadBytes: number
  warmupMs: number
  measureMs: number
  /** Messages in flight per group. */
  window: number
}

export async function fanout(ctx: ScenarioContext, p: FanoutParams): Promise<LoadResult> {
  const eps = await ctx.driver.connect({ clients: p.clients, groupSize: p.groupSize, payloadBytes: p.payloadBytes })
  const groups = Math.floor(eps.length / p.groupSize)
  ctx.log(`${eps.length} clients connected in ${groups} groups of ${p.groupSize}`)
  const lastLat = new Samples()
  const inFlight = new Map<number, { sentAt: number; remaining: number; group: number }>()
  const turn = new Array<number>(groups).fill(0)
  let tag = 1
  let measuring = false
  let stopping = false
  let deliveries = 0
  let completed = 0
  let refused = 0

  const sendFrom = (g: number): void => {
    const member = g * p.groupSize + (turn[g]! % p.groupSize)
    turn[g]!++
    const t = tag++ >>> 0
    const now = performance.now()
    inFlight.set(t, { sentAt: now, remaining: p.groupSize - 1, group: g })
    eps[member]!.send(now, t)
  }

  for (const ep of eps) {
    ep.onReceive = (m) => {
      if (measuring) deliveries++
      const f = inFlight.get(m.tag)
      if (!f) return
      if (--f.remaining === 0) {
        inFlight.delete(m.tag)
        if (measuring) {
          lastLat.add(performance.now() - f.sentAt)
          completed++
        }
        if (!stopping) sendFrom(f.group)
      }
    }
    ep.onRefused = () => {
      refused++
      if (!stopping) setTimeout(() => sendFrom(ep.group), 5)
    }
  }
  for (let g = 0; g < groups; g++) for (let k = 0; k < p.window; k++) sendFrom(g)

  await sleep(p.warmupMs)
  await ctx.mark('measure-start')
  const t0 = performance.now()
  measuring = true
  await sleep(p.measureMs)
  measuring = false
  const t1 = performance.now()
  await ctx.mark('measure-end')
  stopping = true
  await sleep(300)
  const [p50, p99, p999] = lastLat.percentiles([50, 99, 99.9])
  return {
    deliveredPerSec: (deliveries * 1000) / (t1 - t0),
    p50Ms: p50!,
    p99Ms: p99!,
    p999Ms: p999!,
    delivered: deliveries,
    refused,
    extra: { messagesPerSec: Math.round((completed * 1000) / (t1 - t0)) },
  }
}

// Scenarios 1 and 2: clients in pairs, each message to the peer. Saturation keeps `window`
// messages in flight per client (a client sends its next message when the peer has received
// one of its messages); fixed rate sends open-loop at a total rate regardless of deliveries.
import { Samples } from '../stats.ts'
import { sleep, type LoadResult, type ScenarioContext } from './common.ts'

export interface OneToOneParams {
  clients: number
  payloadBytes: number
  warmupMs: number
  measureMs: number
  mode: 'saturation' | 'fixed-rate'
  /** Saturation: messages in flight per client. */
  window: number
  /** Fixed rate: messages per second over all clients. */
  rate: number
}

export async function oneToOne(ctx: ScenarioContext, p: OneToOneParams): Promise<LoadResult> {
  const eps = await ctx.driver.connect({ clients: p.clients, groupSize: 2, payloadBytes: p.payloadBytes })
  ctx.log(`${eps.length} clients connected`)
  const lat = new Samples()
  let measuring = false
  let stopping = false
  let delivered = 0
  let sent = 0
  let refused = 0
  const saturation = p.mode === 'saturation'
  for (const ep of eps) {
    const peer = eps[ep.index ^ 1]!
    ep.onReceive = (m) => {
      const now = performance.now()
      if (measuring && m.sentAt >= 0) {
        lat.add(now - m.sentAt)
        delivered++
      }
      if (saturation && !stopping) {
        if (measuring) sent++
        peer.send(performance.now(), 0)
      }
    }
    ep.onRefused = () => {
      refused++
      // Keep the window full: retry the refused message shortly.
      if (saturation && !stopping) setTimeout(() => ep.send(performance.now(), 0), 5)
    }
  }

  let pacer: Promise<void> | undefined
  if (saturation) {
    for (const ep of eps) for (let k = 0; k < p.window; k++) ep.send(performance.now(), 0)
  } else {
    pacer = (async () => {
      const start = performance.now()
      let n = 0
      while (!stopping) {
        const due = Math.floor(((performance.now() - start) * p.rate) / 1000)
        while (n < due) {
          eps[n % eps.length]!.send(performance.now(), 0)
          n++
          if (measuring) sent++
        }
        await new Promise<void>((r) => setImmediate(r))
      }
    })()
  }

  await sleep(p.warmupMs)
  await ctx.mark('measure-start')
  const t0 = performance.now()
  measuring = true
  await sleep(p.measureMs)
  measuring = false
  const t1 = performance.now()
  await ctx.mark('measure-end')
  stopping = true
  await pacer
  await sleep(300)
  const [p50, p99, p999] = lat.percentiles([50, 99, 99.9])
  return {
    deliveredPerSec: (delivered * 1000) / (t1 - t0),
    p50Ms: p50!,
    p99Ms: p99!,
    p999Ms: p999!,
    sent,
    delivered,
    refused,
  }
}

// Scenario 4 (Candor): `messages` messages queued for one device while it is offline (sent by
// `senders` devices, each in its own 1:1 conversation with it), then the device connects and
// the time until it holds every message is measured, acknowledging as it goes.
import { CandorDriver, type Conn } from '../drivers/candor.ts'
import { sleep, type LoadResult, type ScenarioContext } from './common.ts'

export interface DrainParams {
  payloadBytes: number
  messages: number
  senders: number
}

export async function offlineDrain(ctx: ScenarioContext, p: DrainParams): Promise<LoadResult> {
  const d = ctx.driver
  if (!(d instanceof CandorDriver)) throw new Error('offline drain runs against Candor only')
  const [target, ...senders] = await d.newDevices(p.senders + 1)
  const groups = await Promise.all(senders.map((s) => d.newGroup([s!, target!])))
  const conns = await Promise.all(senders.map((s) => d.open(s!)))
  await Promise.all(conns.map((c) => c.synced))

  // Fill the queue: each sender keeps 64 messages awaiting `accepted`.
  const per = Math.ceil(p.messages / senders.length)
  const t0 = performance.now()
  let refused = 0
  await Promise.all(
    conns.map(
      (c: Conn, k) =>
        new Promise<void>((resolve) => {
          let sent = 0
          const gid = groups[k]!
          const next = () => {
            if (sent >= per) return
            sent++
            c.send(gid, (b, off) => b.writeDoubleLE(sent, off), p.payloadBytes)
          }
          c.onRefused = () => {
            refused++
            sent--
            setTimeout(next, 20)
          }
          const poll = setInterval(() => {
            while (sent - c.accepted < 64 && sent < per) next()
            if (c.accepted >= per) {
              clearInterval(poll)
              resolve()
            }
          }, 1)
        }),
    ),
  )
  const fillMs = performance.now() - t0
  const total = per * senders.length
  ctx.log(`${total} messages queued in ${fillMs.toFixed(0)} ms (${refused} refused and retried)`)
  for (const c of conns) c.ws.terminate()
  await sleep(500)

  await ctx.mark('measure-start')
  const s0 = performance.now()
  let got = 0
  let firstMs = NaN
  const conn = await d.open(target!)
  await new Promise<void>((resolve) => {
    conn.onDeliver = () => {
      if (got++ === 0) firstMs = performance.now() - s0
      if (got >= total) resolve()
    }
  })
  const ms = performance.now() - s0
  await ctx.mark('measure-end')
  ctx.log(`drained ${got} in ${ms.toFixed(0)} ms`)
  return {
    deliveredPerSec: (got * 1000) / ms,
    delivered: got,
    refused,
    extra: { queued: total, drainMs: Math.round(ms), firstMessageMs: Math.round(firstMs), fillPerSec: Math.round((total * 1000) / fillMs) },
  }
}

// Scenario 5: `connections` WebSocket connections opened at once (prepared beforehand: devices
// registered, tokens issued), timed until every one is authenticated and live; then the
// server's RSS growth per idle connection after they settle.
import { sleep, type LoadResult, type ScenarioContext } from './common.ts'

export interface StormParams {
  connections: number
  settleMs: number
}

export async function storm(ctx: ScenarioContext, p: StormParams): Promise<LoadResult> {
  const d = ctx.driver
  if (!d.prepareIdle || !d.openIdle) throw new Error(`${d.name} has no connection storm`)
  await d.prepareIdle(p.connections)
  ctx.log(`prepared ${p.connections} connections`)
  await sleep(500)
  await ctx.mark('measure-start')
  const t0 = performance.now()
  const r = await d.openIdle()
  const ms = performance.now() - t0
  ctx.log(`${r.opened} authenticated in ${ms.toFixed(0)} ms (${r.failed} failed${r.reasons ? `: ${r.reasons}` : ''})`)
  await sleep(p.settleMs)
  await ctx.mark('measure-end')
  return { extra: { connections: r.opened, failed: r.failed, allAuthenticatedMs: Math.round(ms), ...(r.reasons ? { failedBecause: r.reasons } : {}) } }
}

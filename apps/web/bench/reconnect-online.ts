// How long the page takes to be online again once the browser reports the network back (the
// `online` event), after an outage long enough for the SDK's backoff to have grown. Prints figures.
//   npx tsx --conditions=candor-source apps/web/bench/reconnect-online.ts [runs=5] [outageSeconds=10]
import { launchChromium } from '../test/support/browser.ts'
import { startCandorServer } from '../test/support/candor-server.ts'
import { register, waitOnline } from '../test/support/ui.ts'
import { ensureBuilt } from '../test/support/web-build.ts'

const runs = Number(process.argv[2] ?? 5)
const outageMs = Number(process.argv[3] ?? 10) * 1000

await ensureBuilt()
const server = await startCandorServer()
const browser = await launchChromium()
try {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(server.url)
  await register(page, 'reconnect-bench')
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    await context.setOffline(true)
    await page.locator('[data-testid="connection-state"]:not([data-state="online"])').first().waitFor()
    await new Promise((r) => setTimeout(r, outageMs))
    const t0 = Date.now()
    await context.setOffline(false)
    await waitOnline(page)
    times.push(Date.now() - t0)
  }
  const sorted = [...times].sort((a, b) => a - b)
  console.log(`network back → online again, after ${outageMs / 1000} s offline (${runs} runs, localhost):`)
  console.log(`  median ${sorted[Math.floor(sorted.length / 2)]} ms, min ${sorted[0]} ms, max ${sorted.at(-1)} ms  (${times.join(', ')} ms)`)
} finally {
  await browser.close()
  await server.close()
}

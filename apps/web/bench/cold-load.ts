// What a first visit costs: the built bundle's size (raw and gzip) and the time from
// navigation to a usable screen, for a new visitor and for a returning device. Prints figures.
//   npx tsx apps/web/bench/cold-load.ts [runs=10]
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../test/support/browser.ts'
import { startCandorServer } from '../test/support/candor-server.ts'
import { register, waitOnline } from '../test/support/ui.ts'
import { distDir, ensureBuilt } from '../test/support/web-build.ts'

const runs = Number(process.argv[2] ?? 10)

await ensureBuilt()
const files = ['index.html', ...readdirSync(join(distDir, 'assets')).filter((f) => !f.endsWith('.map')).map((f) => `assets/${f}`)]
let raw = 0
let gz = 0
console.log('bundle (what a first visit downloads):')
for (const f of files) {
  const bytes = readFileSync(join(distDir, f))
  const z = gzipSync(bytes, { level: 9 }).length
  raw += bytes.length
  gz += z
  console.log(`  ${f.padEnd(48)} ${kb(bytes.length).padStart(9)} raw ${kb(z).padStart(9)} gzip`)
}
console.log(`  ${'total'.padEnd(48)} ${kb(raw).padStart(9)} raw ${kb(gz).padStart(9)} gzip`)

const server = await startCandorServer()
const browser = await launchChromium()
try {
  const fresh: number[] = []
  const returning: number[] = []
  for (let i = 0; i < runs; i++) {
    fresh.push(await firstVisit(browser, server.url))
    returning.push(await returningVisit(browser, server.url, `user${i}`))
  }
  console.log(`time to a usable screen (median of ${runs}, cold cache each time, localhost):`)
  console.log(`  new visitor, sign-up form ready:                   ${median(fresh)} ms`)
  console.log(`  returning device, conversations shown and online:  ${median(returning)} ms`)
} finally {
  await browser.close()
  await server.close()
}

async function firstVisit(b: Browser, url: string): Promise<number> {
  const context = await b.newContext()
  const page = await context.newPage()
  const t0 = Date.now()
  await page.goto(url)
  await page.getByLabel('User name').waitFor()
  const t = Date.now() - t0
  await context.close()
  return t
}

async function returningVisit(b: Browser, url: string, user: string): Promise<number> {
  const context = await b.newContext()
  const page = await context.newPage()
  await page.goto(url)
  await register(page, user)
  // A new page in the same context: IndexedDB survives, the HTTP cache is cleared.
  await page.close()
  const cdpPage = await context.newPage()
  const cdp = await context.newCDPSession(cdpPage)
  await cdp.send('Network.clearBrowserCache')
  const t0 = Date.now()
  await cdpPage.goto(url)
  await cdpPage.getByTestId('me').waitFor()
  await waitOnline(cdpPage)
  const t = Date.now() - t0
  await context.close()
  return t
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function kb(n: number): string {
  return `${(n / 1024).toFixed(1)} KiB`
}

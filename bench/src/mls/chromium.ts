// Runs the bench's MLS operations in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core, the flags of apps/web/test/support/browser.ts): the page script is
// browser-entry.ts bundled with esbuild, served with the fixtures from 127.0.0.1 (a secure
// context, so WebCrypto is there as in the web client).
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { SuiteTag } from './fixture.ts'
import type { Timings } from './ops.ts'

export const CHROMIUM = '/usr/bin/chromium'

/** How long one group size may take in the page before the scenario gives up with an error (a hung page must not hang the bench). */
const PER_GROUP_MS = 240_000

function withTimeout<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`chromium: ${what()} took over ${ms / 1000} s`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

export interface ChromiumGroup {
  suite: SuiteTag
  members: number
  file: string
  reps: number
}

/** Timings per group (in the order given), or why Chromium could not run them. */
export async function timeInChromium(groups: ChromiumGroup[], log: (s: string) => void): Promise<{ group: ChromiumGroup; timings: Timings }[] | string> {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install -y chromium)`
  const { build } = await import('esbuild')
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./browser-entry.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['candor-source'],
    logLevel: 'silent',
  })
  const script = bundle.outputFiles[0]!.contents
  const path = (g: ChromiumGroup) => `/group-${g.suite}-${g.members}.json`
  const files = new Map(groups.map((g) => [path(g), g.file]))
  const server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><script type="module" src="/mls.js"></script>')
    } else if (req.url === '/mls.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    } else if (req.url && files.has(req.url)) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync(files.get(req.url)!))
    } else res.writeHead(404).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 120_000,
  })
  log('chromium: launched')
  try {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    let crashed: (e: Error) => void = () => undefined
    const crash = new Promise<never>((_, reject) => (crashed = reject))
    crash.catch(() => undefined)
    page.on('crash', () => crashed(new Error(`chromium: the page crashed${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`)))
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    await page.waitForFunction(() => 'timeMls' in globalThis, undefined, { timeout: 120_000 })
    const out: { group: ChromiumGroup; timings: Timings }[] = []
    for (const g of groups) {
      log(`chromium: ${g.suite} ${g.members} members, ${g.reps} reps`)
      const t = await withTimeout(
        Promise.race([crash, page.evaluate(
          ([url, reps]) => (globalThis as unknown as { timeMls(u: string, r: number): Promise<Timings> }).timeMls(url, reps),
          [path(g), g.reps] as [string, number],
        )]),
        PER_GROUP_MS,
        () => `${g.suite} ${g.members} members${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`,
      )
      out.push({ group: g, timings: t })
    }
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`)
    return out
  } finally {
    await browser.close()
    server.close()
  }
}

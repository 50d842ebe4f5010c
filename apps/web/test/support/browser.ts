// Debian's Chromium driven by playwright-core: one browser, one context per device (so each
// has its own IndexedDB), console errors collected per page, screenshots to test-artifacts/web.
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { webDir } from './web-build.ts'

export const CHROMIUM = '/usr/bin/chromium'
/** The longest a page action may take (see openDevice). */
export const ACTION_TIMEOUT_MS = 120_000
export const artifactsDir = join(webDir, '..', '..', 'test-artifacts', 'web')

/** Whether the browser tests can run; on CI a missing Chromium is a failure, not a skip. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: install it with apt-get install -y chromium`)
  console.warn(`\n\n!!!!! ${CHROMIUM} is missing: SKIPPING the web client's browser tests. Install it with apt-get install -y chromium !!!!!\n\n`)
  return false
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

export interface Device {
  name: string
  context: BrowserContext
  page: Page
  /** Console errors and uncaught exceptions seen so far. */
  errors: string[]
  /** Console errors matching these are expected (e.g. while the test takes the network away). */
  allow: RegExp[]
}

export async function openDevice(browser: Browser, url: string, name: string, viewport = { width: 1200, height: 760 }): Promise<Device> {
  const context = await browser.newContext({ viewport, colorScheme: 'light' })
  // Playwright's 30 s default for an action (a click, handing a 20 MB file to a file chooser) is a
  // timing claim a shared 2-core machine under load breaks; an action still returns as soon as it
  // is done, so only a failure waits this long.
  context.setDefaultTimeout(ACTION_TIMEOUT_MS)
  const page = await context.newPage()
  const device: Device = { name, context, page, errors: [], allow: [] }
  page.on('console', (m) => {
    if (m.type() === 'error' && !device.allow.some((r) => r.test(m.text()))) device.errors.push(`${name}: ${m.text()}`)
  })
  page.on('pageerror', (e) => device.errors.push(`${name}: uncaught ${e.message}`))
  await page.goto(url)
  return device
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifactsDir, { recursive: true })
  await page.screenshot({ path: join(artifactsDir, `${name}.png`) })
}

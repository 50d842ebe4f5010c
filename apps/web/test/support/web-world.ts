// One real Candor server (its debug log kept) and one Chromium for a test file, with the built
// web client; a page's console errors fail the test that caused them.
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchChromium, type Device } from './browser.ts'
import { startCandorServer, type RunningServer } from './candor-server.ts'
import { ensureBuilt } from './web-build.ts'

export interface WebWorld {
  /** Set once the file's beforeAll ran. */
  server: RunningServer
  browser: Browser
  /** The pages opened; push each so its console errors are checked. */
  readonly devices: Device[]
  /** The server's log lines (debug level), for canary checks. */
  readonly logs: string[]
}

export function webWorld(): WebWorld {
  const w = { devices: [] as Device[], logs: [] as string[] } as WebWorld
  beforeAll(async () => {
    await ensureBuilt()
    ;[w.server, w.browser] = await Promise.all([startCandorServer({ logLevel: 'debug', logDestination: { write: (s: string) => void w.logs.push(s) } }), launchChromium()])
  }, 180_000)
  afterEach(() => {
    const errors = w.devices.flatMap((d) => d.errors.splice(0))
    expect(errors, 'console errors in the page').toEqual([])
  })
  afterAll(async () => {
    await w.browser?.close()
    await w.server?.close()
  })
  return w
}

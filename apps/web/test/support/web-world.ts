// One real Candor server (its debug log kept) and one Chromium for a test file, with the built
// web client; a page's console errors fail the test that caused them.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
  /** With `{ logFile: true }`: the file the server's log is also written to, line by line as it logs. */
  logFile: string | undefined
}

export function webWorld(opts: { logFile?: boolean } = {}): WebWorld {
  const w = { devices: [] as Device[], logs: [] as string[], logFile: undefined } as WebWorld
  beforeAll(async () => {
    await ensureBuilt()
    // Written synchronously, so whatever was logged is in the file when a test reads it.
    const file = opts.logFile ? join(mkdtempSync(join(tmpdir(), 'candor-web-log-')), 'server.log') : undefined
    w.logFile = file
    const write = (s: string) => {
      w.logs.push(s)
      if (file) appendFileSync(file, s)
    }
    ;[w.server, w.browser] = await Promise.all([startCandorServer({ logLevel: 'debug', logDestination: { write } }), launchChromium()])
  }, 180_000)
  afterEach(() => {
    const errors = w.devices.flatMap((d) => d.errors.splice(0))
    expect(errors, 'console errors in the page').toEqual([])
  })
  afterAll(async () => {
    await w.browser?.close()
    await w.server?.close()
    if (w.logFile) rmSync(join(w.logFile, '..'), { recursive: true, force: true })
  })
  return w
}

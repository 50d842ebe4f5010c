// Single sign-on from the CLI against a real OpenID Connect provider (oidc-provider on
// loopback): the owner sets the organisation's provider with `candor org sso … set` (the
// secret from the environment), then `candor register --org acme` prints the provider's URL and
// code, waits while the person signs in there in a browser, and registers the user the provider
// vouched for; that user's device then works, and a back-channel logout makes it sign in again
// (`candor sso-login`). The server runs in this process (it must accept a loopback http provider).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, generateServerKeys, type CandorServer } from '@candor/server'
import { SqliteStore } from '@candor/store-sqlite'
import { Browser, startTestIdp, type TestIdp } from '@candor/testkit/test-idp'
import { CANDOR_BIN, runCandor } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-sso-'))
let store: SqliteStore
let server: CandorServer
let idp: TestIdp

const candor = (home: string, ...args: string[]) => runCandor(['--server', server.url, '--home', join(dir, home), ...args])

/** Runs candor, handing each line of its output to `onLine` as it comes; resolves on exit. */
function candorLive(home: string, args: string[], onLine: (line: string, stop: () => void) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CANDOR_BIN, '--server', server.url, '--home', join(dir, home), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let pending = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      pending += d.toString()
      const lines = pending.split('\n')
      pending = lines.pop()!
      for (const l of lines) onLine(l, () => child.kill())
    })
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill(), 60_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Confirms the code in a browser and logs in as `login` at the provider. */
async function confirmInBrowser(completeUri: string, login: string, password: string): Promise<void> {
  const b = new Browser()
  const confirm = await b.submit(await b.go(completeUri), {})
  const form = await b.submit(confirm, {}, 'op.deviceConfirmForm')
  const done = await b.submit(form, { login, password })
  if (done.status !== 200) throw new Error(`sign-in at the provider failed: ${done.status}`)
}

/** Runs a device-flow command, signing in as `login` when it prints the URL. */
async function withDeviceFlow(home: string, args: string[], login: string, password: string) {
  let browsing: Promise<void> | undefined
  const r = await candorLive(home, args, (line) => {
    const m = /\(or open (\S+)\)/.exec(line)
    if (m && !browsing) browsing = confirmInBrowser(m[1]!, login, password)
  })
  await browsing
  return r
}

beforeAll(async () => {
  store = SqliteStore.open(join(dir, 'db.sqlite'))
  server = await createServer({ store, keys: generateServerKeys(), logLevel: 'silent', ssoAllowInsecureIssuers: true })
  idp = await startTestIdp({
    redirectUri: `${server.url}/v1/sso/callback`,
    backchannelLogoutUri: `${server.url}/v1/orgs/acme/sso/backchannel-logout`,
    accounts: { ana: { password: 'ana-pw', email: 'ana@acme.example' } },
  })
}, 600_000)
afterAll(async () => {
  await server?.close()
  await idp?.close()
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor and single sign-on', () => {
  it('the operator makes acme; its owner sets its identity provider from the CLI, the secret from the environment', async () => {
    expect((await candor('op', 'register', 'op')).code).toBe(0)
    expect((await candor('op', 'admin', 'enrol', (await server.context.admins.enrolmentToken())!, '--org', 'ops')).code).toBe(0)
    expect((await candor('op', 'org', 'create', 'acme', '--name', 'Acme', '--signup', 'open')).code).toBe(0)
    expect((await candor('op', 'org', 'domains', 'acme', 'add', 'acme.example')).code).toBe(0)
    expect((await candor('owner', 'register', 'owner@acme.example', '--org', 'acme')).code).toBe(0)
    expect((await candor('op', 'org', 'grant', 'acme', 'owner@acme.example', 'owner')).code).toBe(0)
    const set = await runCandor(['--server', server.url, '--home', join(dir, 'owner'), 'org', 'sso', 'acme', 'set', idp.issuer, idp.clientId, 'acme.example', 'required', '60', 'groups'], {
      ...process.env,
      CANDOR_SSO_CLIENT_SECRET: idp.clientSecret,
    })
    expect(set.stderr).toBe('')
    expect(set.stdout).toMatch(/acme: single sign-on required/)
    expect(set.stdout).toContain(`back-channel logout URI ${server.url}/v1/orgs/acme/sso/backchannel-logout`)
    expect(set.stdout).not.toContain(idp.clientSecret)
  }, 600_000)

  it('register --org acme prints the URL and code, waits for the sign-in, and registers the person the provider vouched for', async () => {
    const r = await withDeviceFlow('ana', ['register', '--org', 'acme', '--name', 'laptop'], 'ana', 'ana-pw')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/To sign in with acme, open http:\/\/127\.0\.0\.1:\d+\/device and enter the code \S+/)
    expect(r.stdout).toMatch(/signed in at acme's identity provider as ana@acme\.example/)
    expect(r.stdout).toMatch(/registered ana@acme\.example, device \S+/)
    const devices = await candor('ana', 'devices')
    expect(devices.code).toBe(0)
    expect(devices.stdout).toMatch(/laptop/)
  }, 600_000)

  it('a contact sees the identity the provider vouched for, proven by the key directory beside the safety number', async () => {
    const s = await candor('op', 'safety', 'ana@acme.example')
    expect(s.stderr).toBe('')
    expect(s.stdout).toContain('ana@acme.example: organisation acme, proven by the key directory')
    expect(s.stdout).toContain(`signed in as ana@acme.example at ${idp.issuer} (subject ana)`)
  }, 600_000)

  it('without the sign-in nobody registers in acme: the CLI turns to the device flow and waits', async () => {
    let prompted = false
    const r = await candorLive('mallory', ['register', 'mallory@acme.example', '--org', 'acme', '--name', 'x'], (line, stop) => {
      if (/To sign in with acme/.test(line)) {
        prompted = true
        stop()
      }
    })
    expect(prompted).toBe(true)
    expect(r.code).not.toBe(0)
    expect(await store.userExists('mallory@acme.example' as never)).toBe(false)
  }, 600_000)

  it('after a back-channel logout the device needs `candor sso-login`', async () => {
    const sid = (await store.ssoSessionOf('ana@acme.example' as never))!.identity!.sid!
    await idp.backchannelLogout('ana', sid)
    const refused = await candor('ana', 'devices')
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/ended at the identity provider/)
    const again = await withDeviceFlow('ana', ['sso-login', '--org', 'acme'], 'ana', 'ana-pw')
    expect(again.stderr).toBe('')
    expect(again.stdout).toMatch(/ana@acme\.example: signed in again/)
  }, 600_000)
})

// Single sign-on against a real OpenID Connect provider (oidc-provider on loopback): the
// organisation's settings (owner/admin only, never another organisation's admin, the secret
// never returned nor stored as text), the browser's code flow end to end, the CLI's device flow,
// an organisation requiring SSO refusing registration, enrolment and sessions without a
// sign-in, and the relying party refusing a wrong state, nonce, issuer or audience.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Browser } from '@candor/testkit/test-idp'
import { http, rawSignIn } from './raw-client.ts'
import { startSsoEnv, type SsoEnv } from './sso-env.ts'

let e: SsoEnv
beforeAll(async () => {
  e = await startSsoEnv()
}, 180_000)
afterAll(async () => e?.close())

const base = () => e.server.url
const ssoRow = async () => (await e.store.getSsoConfig('acme' as never)) ?? null

describe('the organisation’s SSO settings', () => {
  it('a stranger, a member without a role, a support admin and an admin of another organisation can neither read nor set them; nothing changes', async () => {
    const before = await ssoRow()
    expect((await http(base(), 'GET', '/v1/orgs/acme/sso')).json.error?.code).toBe('unauthenticated')
    expect((await http(base(), 'PUT', '/v1/orgs/acme/sso', e.settings)).json.error?.code).toBe('unauthenticated')
    for (const [who, code] of [
      [e.acmeMember, 'forbidden'],
      [e.acmeSupport, 'forbidden'],
      [e.globexOwner, 'not_found'],
    ] as const) {
      const get = await http(base(), 'GET', '/v1/orgs/acme/sso', undefined, who.token)
      expect({ who: who.userId, code: get.json.error?.code }).toEqual({ who: who.userId, code })
      const put = await http(base(), 'PUT', '/v1/orgs/acme/sso', { ...e.settings, clientId: 'hijack' }, who.token)
      expect({ who: who.userId, code: put.json.error?.code }).toEqual({ who: who.userId, code })
    }
    // The operator runs nobody's SSO outside `default`.
    expect((await http(base(), 'GET', '/v1/orgs/acme/sso', undefined, e.operator.token)).json.error?.code).toBe('not_found')
    expect(await ssoRow()).toEqual(before)
  })

  it('bad settings are refused and change nothing: unverified domain, undiscoverable issuer, missing secret', async () => {
    const before = await ssoRow()
    expect((await e.configure({ requireSso: false, allowedDomains: ['globex.example'] })).json.error?.message).toMatch(/not a verified domain of acme/)
    expect((await e.configure({ requireSso: false, issuer: `${e.idp.issuer}/nowhere` })).json.error?.message).toMatch(/could not be discovered/)
    const { clientSecret: _s, ...noSecret } = e.settings
    expect((await http(base(), 'PUT', '/v1/orgs/acme/sso', { ...noSecret, requireSso: false }, e.acmeOwner.token)).json.error?.message).toMatch(/clientSecret: required the first time/)
    expect((await e.configure({ requireSso: false, reauthMinutes: 1 })).status).toBe(400)
    expect(await ssoRow()).toEqual(before)
  })

  it('the owner sets them; reading never shows the secret, and the database holds it only sealed', async () => {
    const r = await e.configure({ requireSso: false })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    const got = await http(base(), 'GET', '/v1/orgs/acme/sso', undefined, e.acmeOwner.token)
    expect(got.json).toEqual(r.json)
    expect(got.json.sso).toMatchObject({ issuer: e.idp.issuer, clientId: e.idp.clientId, clientSecretSet: true, allowedDomains: ['acme.example'], requireSso: false, reauthMinutes: 60 })
    expect(JSON.stringify(got.json)).not.toContain(e.idp.clientSecret)
    const file = Buffer.concat([readFileSync(e.dbPath), ...['-wal'].map((s) => { try { return readFileSync(e.dbPath + s) } catch { return Buffer.alloc(0) } })])
    expect(file.includes(Buffer.from(e.idp.clientSecret))).toBe(false)
    expect((await ssoRow())!.clientSecretBox.length).toBe(12 + e.idp.clientSecret.length + 16)
  })
})

describe('the code flow in a browser', () => {
  it('signs a person in at the provider and hands out a ticket bound to their verified email', async () => {
    const s = await e.signIn('ana')
    expect(s).toMatchObject({ httpStatus: 200, org: 'acme', userId: 'ana@acme.example', email: 'ana@acme.example', registered: false, groups: ['engineering', 'staff'] })
    expect(typeof s.ticket).toBe('string')
  })

  it('normalises the provider’s email; refuses an unverified email and a domain the organisation does not allow', async () => {
    expect(await e.signIn('ben')).toMatchObject({ userId: 'ben@acme.example' })
    expect(await e.signIn('una')).toMatchObject({ httpStatus: 403, error: { code: 'forbidden' } })
    expect(await e.signIn('eve')).toMatchObject({ httpStatus: 403, error: { message: expect.stringMatching(/elsewhere.example is not an email domain/) } })
  })

  it('a wrong password at the provider gets no further', async () => {
    const b = new Browser()
    const form = await b.go(`${base()}/v1/orgs/acme/sso/start`)
    expect((await b.submit(form, { login: 'ana', password: 'nope' })).status).toBe(401)
  })

  it('refuses a callback whose state was changed, or replayed, and changes nothing', async () => {
    // The browser stops before it reaches the callback.
    const b2 = new Browser()
    const form2 = await b2.go(`${base()}/v1/orgs/acme/sso/start`)
    const stopped = await submitUntil(b2, form2, `${base()}/v1/sso/callback`)
    const forged = new URL(stopped)
    forged.searchParams.set('state', 'not-the-state')
    expect((await http(base(), 'GET', forged.pathname + forged.search)).json.error?.code).toBe('bad_request')
    // The real state still works once, and only once.
    const ok = await http(base(), 'GET', new URL(stopped).pathname + new URL(stopped).search)
    expect(ok.status, JSON.stringify(ok.json)).toBe(200)
    expect((await http(base(), 'GET', new URL(stopped).pathname + new URL(stopped).search)).json.error?.code).toBe('bad_request')
  })

  for (const [what, tamper, why] of [
    ['nonce', (c: Record<string, unknown>) => ({ ...c, nonce: 'another-nonce' }), /nonce/],
    ['audience', (c: Record<string, unknown>) => ({ ...c, aud: 'another-client' }), /aud/],
    ['issuer', (c: Record<string, unknown>) => ({ ...c, iss: 'http://127.0.0.1:1/evil' }), /iss/],
  ] as const) {
    it(`refuses an ID token with another ${what}`, async () => {
      e.idp.tamperIdToken = tamper
      try {
        const s = await e.signIn('ana')
        expect(s).toMatchObject({ httpStatus: 401, error: { code: 'unauthenticated' } })
        expect(String((s.error as { message: string }).message)).toMatch(why)
      } finally {
        e.idp.tamperIdToken = null
      }
    })
  }
})

/** Submits the login form and follows redirects up to (not into) `stopAt`; returns that URL. */
async function submitUntil(b: Browser, form: { url: string; text: string }, stopAt: string): Promise<string> {
  const action = /action="([^"]*)"/.exec(form.text)![1]!
  const r = await b.go(new URL(action, form.url).href, { form: { login: 'ana', password: 'ana-pw' }, stopAt })
  expect(r.location?.startsWith(stopAt)).toBe(true)
  return r.location!
}

describe('an organisation that requires SSO', () => {
  beforeAll(async () => {
    // The owner binds their own identity first, then requires SSO (else they would lock themselves out).
    const bound = await e.signInWithTicket(e.acmeOwner, 'owner')
    expect(bound.status, JSON.stringify(bound.json)).toBe(200)
    e.acmeOwner.token = bound.json.token as string
    expect((await e.configure({ requireSso: true, clientSecret: undefined })).status).toBe(200)
  })

  it('refuses registration without a ticket, with another person’s ticket, and with a used one; registers with one', async () => {
    const count = async () => (await e.store.listMembers('acme' as never, null, 500)).length
    const before = await count()
    expect((await e.register('ana@acme.example')).res.json.error?.code).toBe('unauthenticated')
    const ben = await e.signIn('ben')
    expect((await e.register('ana@acme.example', ben.ticket as string)).res.json.error?.code).toBe('forbidden')
    expect((await e.register('ana@acme.example', 'x.y.z')).res.json.error?.code).toBe('unauthenticated')
    expect(await count()).toBe(before)

    const ana = await e.signIn('ana')
    const reg = await e.register('ana@acme.example', ana.ticket as string)
    expect(reg.res.status, JSON.stringify(reg.res.json)).toBe(201)
    expect((await e.register('ana2@acme.example', ana.ticket as string)).res.json.error?.code).toBe('forbidden')
    const again = await e.signIn('ana')
    expect(again).toMatchObject({ userId: 'ana@acme.example', registered: true })
    // The session works: the sign-in it was registered with holds.
    const token = await rawSignIn(base(), reg.res.json.deviceId as never, reg.key.secretKey)
    expect((await http(base(), 'GET', '/v1/devices', undefined, token)).status).toBe(200)
    expect((await e.store.ssoSessionOf('ana@acme.example' as never))!.identity).toMatchObject({ issuer: e.idp.issuer, subject: 'ana', email: 'ana@acme.example' })
  })

  it('a member who never signed in at the provider has no session, and cannot get one without a ticket', async () => {
    expect((await http(base(), 'GET', '/v1/devices', undefined, e.acmeMember.token)).json.error?.code).toBe('unauthenticated')
    await expect(rawSignIn(base(), e.acmeMember.deviceId, e.acmeMember.secretKey)).rejects.toThrow(/requires single sign-on/)
    // Nor with another person's ticket.
    expect((await e.signInWithTicket(e.acmeMember, 'ana')).json.error?.code).toBe('forbidden')
    // A person of another organisation is not affected.
    expect((await http(base(), 'GET', '/v1/devices', undefined, e.globexOwner.token)).status).toBe(200)
  })

  it('enrolling a further device needs a ticket of that person', async () => {
    expect((await e.enrol('ana@acme.example')).json.error?.code).toBe('unauthenticated')
    const ben = await e.signIn('ben')
    expect((await e.enrol('ana@acme.example', ben.ticket as string)).json.error?.code).toBe('forbidden')
    expect(await e.store.listEnrolments('ana@acme.example' as never, Date.now())).toEqual([])
    const ana = await e.signIn('ana')
    expect((await e.enrol('ana@acme.example', ana.ticket as string)).status).toBe(202)
  })

  it('a sign-in older than the re-authentication interval needs a new one', async () => {
    const reg = await e.register('ben@acme.example', (await e.signIn('ben')).ticket as string)
    expect(reg.res.status).toBe(201)
    const ben = { userId: 'ben@acme.example', deviceId: reg.res.json.deviceId as never, secretKey: reg.key.secretKey, publicKey: reg.key.publicKey, token: '' }
    ben.token = await rawSignIn(base(), ben.deviceId, ben.secretKey)
    // Sixty-one minutes ago (the interval is sixty).
    await e.store.recordSsoSignIn({ org: 'acme' as never, issuer: e.idp.issuer, subject: 'ben', userId: ben.userId as never, email: ben.userId, sid: null, at: Date.now() - 61 * 60_000 })
    expect((await http(base(), 'GET', '/v1/devices', undefined, ben.token)).json.error?.message).toMatch(/sign in again every 60 minutes/)
    await expect(rawSignIn(base(), ben.deviceId, ben.secretKey)).rejects.toThrow(/sign in again/)
    const fresh = await e.signInWithTicket(ben, 'ben')
    expect(fresh.status, JSON.stringify(fresh.json)).toBe(200)
    expect((await http(base(), 'GET', '/v1/devices', undefined, fresh.json.token as string)).status).toBe(200)
  })
})

describe('the device flow (CLI)', () => {
  it('starts at the provider, stays pending until the person confirms the code in a browser, then hands out a ticket once', async () => {
    const start = await http(base(), 'POST', '/v1/orgs/acme/sso/device', {})
    expect(start.status, JSON.stringify(start.json)).toBe(200)
    const { handle, userCode, verificationUri, verificationUriComplete } = start.json as Record<string, string>
    expect(verificationUri).toContain(e.idp.issuer)
    expect(userCode).toMatch(/\S/)
    expect((await http(base(), 'POST', '/v1/sso/device/poll', { handle })).json).toEqual({ status: 'pending' })

    const b = new Browser()
    // The complete URI's page submits itself (a script, in a browser), then asks to confirm the code.
    const autoSubmit = await b.go(verificationUriComplete!)
    const confirm = await b.submit(autoSubmit, {})
    expect(confirm.text).toContain(userCode)
    const login = await b.submit(confirm, {}, 'op.deviceConfirmForm')
    expect(login.text).toContain('name="login"')
    const done = await b.submit(login, { login: 'ana', password: 'ana-pw' })
    expect(done.status).toBe(200)

    let r = await http(base(), 'POST', '/v1/sso/device/poll', { handle })
    const signedInBy = Date.now() + 60_000
    while (r.json.status === 'pending' && Date.now() < signedInBy) {
      await new Promise((ok) => setTimeout(ok, 200))
      r = await http(base(), 'POST', '/v1/sso/device/poll', { handle })
    }
    expect(r.json).toMatchObject({ status: 'signed_in', org: 'acme', userId: 'ana@acme.example', registered: true })
    // Handed out once.
    expect((await http(base(), 'POST', '/v1/sso/device/poll', { handle })).json.error?.code).toBe('not_found')
    // The ticket enrols ana's new device.
    expect((await e.enrol('ana@acme.example', r.json.ticket as string)).status).toBe(202)
  }, 180_000)

  it('a ticket where the organisation has no single sign-on is refused, not ignored', async () => {
    const t = (await e.signIn('ana')).ticket as string
    const r = await e.register('someone@globex.example', t, 'globex')
    expect(r.res.json.error?.message).toMatch(/ssoTicket: the organisation globex does not use single sign-on/)
    expect(await e.store.userExists('someone@globex.example' as never)).toBe(false)
  })

  it('an unknown handle, an organisation without SSO and one that does not exist are refused alike', async () => {
    expect((await http(base(), 'POST', '/v1/sso/device/poll', { handle: 'nope' })).json.error?.code).toBe('not_found')
    expect((await http(base(), 'POST', '/v1/orgs/globex/sso/device', {})).json.error?.code).toBe('not_found')
    expect((await http(base(), 'POST', '/v1/orgs/nosuch/sso/device', {})).json.error?.code).toBe('not_found')
    expect((await http(base(), 'GET', '/v1/orgs/globex/sso/start')).json.error?.code).toBe('not_found')
  })
})

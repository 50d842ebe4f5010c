// The policy's sso fields (docs/organisations.md "Policies"), against a real OpenID Connect
// provider: `sso.required` makes the organisation's single sign-on required even where its
// provider settings do not say so, and `sso.reauthMinutes` shortens the re-authentication
// interval of those settings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_ORG_POLICY } from '@candor/protocol'
import { http, rawSignIn } from './raw-client.ts'
import { startSsoEnv, type SsoEnv } from './sso-env.ts'

let e: SsoEnv
beforeAll(async () => {
  e = await startSsoEnv()
}, 180_000)
afterAll(async () => e?.close())

const base = () => e.server.url
const setPolicy = (sso: { required: boolean; reauthMinutes: number }) => http(base(), 'PUT', '/v1/orgs/acme/policy', { ...DEFAULT_ORG_POLICY, sso }, e.acmeOwner.token)

describe('the policy’s single sign-on fields', () => {
  it('sso.required: with provider settings that do not require it, the policy does — registration needs a sign-in', async () => {
    expect((await e.configure({ requireSso: false })).status).toBe(200)
    // Without the policy, anyone of acme registers as before.
    expect((await e.register('cora@acme.example')).res.status).toBe(201)
    // The owner binds their identity first (else they would lock themselves out), then sets the policy.
    const bound = await e.signInWithTicket(e.acmeOwner, 'owner')
    expect(bound.status, JSON.stringify(bound.json)).toBe(200)
    e.acmeOwner.token = bound.json.token as string
    expect((await setPolicy({ required: true, reauthMinutes: 43_200 })).status).toBe(200)
    expect((await e.register('ana@acme.example')).res.json.error?.code).toBe('unauthenticated')
    const ana = await e.signIn('ana')
    expect((await e.register('ana@acme.example', ana.ticket as string)).res.status).toBe(201)
    // A person who never signed in at the provider has no session any more.
    expect((await http(base(), 'GET', '/v1/devices', undefined, e.acmeMember.token)).json.error?.code).toBe('unauthenticated')
  })

  it('sso.reauthMinutes: shorter than the provider settings’ interval, it is the one that applies', async () => {
    expect((await setPolicy({ required: true, reauthMinutes: 10 })).status).toBe(200)
    const reg = await e.register('ben@acme.example', (await e.signIn('ben')).ticket as string)
    expect(reg.res.status).toBe(201)
    const ben = { userId: 'ben@acme.example', deviceId: reg.res.json.deviceId as never, secretKey: reg.key.secretKey, publicKey: reg.key.publicKey, token: '' }
    ben.token = await rawSignIn(base(), ben.deviceId, ben.secretKey)
    expect((await http(base(), 'GET', '/v1/devices', undefined, ben.token)).status).toBe(200)
    // Eleven minutes ago: within the settings' sixty, past the policy's ten.
    await e.store.recordSsoSignIn({ org: 'acme' as never, issuer: e.idp.issuer, subject: 'ben', userId: ben.userId as never, email: ben.userId, sid: null, at: Date.now() - 11 * 60_000 })
    expect((await http(base(), 'GET', '/v1/devices', undefined, ben.token)).json.error?.message).toMatch(/sign in again every 10 minutes/)
    const fresh = await e.signInWithTicket(ben, 'ben')
    expect(fresh.status, JSON.stringify(fresh.json)).toBe(200)
  })
})

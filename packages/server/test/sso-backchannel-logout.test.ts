// OpenID Connect Back-Channel Logout from a real provider (oidc-provider): its logout token ends
// the person's SSO session — live sockets closed (`session_ended` logged_out, close 4001),
// session tokens refused, no new session without a new sign-in — while a forged, misaddressed,
// malformed or replayed logout token is refused and ends nothing.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloseCode } from '@candor/protocol'
import { http, openSocket, rawSignIn, type RawDevice } from './raw-client.ts'
import { startSsoEnv, type SsoEnv } from './sso-env.ts'

let e: SsoEnv
let ana: RawDevice
const base = () => e.server.url
const logoutUri = () => '/v1/orgs/acme/sso/backchannel-logout'
const EVENT = { 'http://schemas.openid.net/event/backchannel-logout': {} }

beforeAll(async () => {
  e = await startSsoEnv()
  expect((await e.configure({ requireSso: false })).status).toBe(200)
  const bound = await e.signInWithTicket(e.acmeOwner, 'owner')
  e.acmeOwner.token = bound.json.token as string
  expect((await e.configure({ requireSso: true, clientSecret: undefined })).status).toBe(200)
  const s = await e.signIn('ana')
  const reg = await e.register('ana@acme.example', s.ticket as string)
  expect(reg.res.status).toBe(201)
  const deviceId = reg.res.json.deviceId as never
  ana = { userId: 'ana@acme.example', deviceId, secretKey: reg.key.secretKey, publicKey: reg.key.publicKey, token: await rawSignIn(base(), deviceId, reg.key.secretKey) }
}, 180_000)
afterAll(async () => e?.close())

const identity = async () => (await e.store.ssoSessionOf('ana@acme.example' as never))!.identity!

/** Posts a logout token form-encoded, as providers do. */
async function postLogout(token: string) {
  const res = await fetch(base() + logoutUri(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: token }).toString() })
  return { status: res.status, json: (await res.json()) as { error?: { code: string; message: string } } }
}

const claims = (over: Record<string, unknown> = {}) => ({
  iss: e.idp.issuer,
  aud: e.idp.clientId,
  iat: Math.floor(Date.now() / 1000),
  jti: randomBytes(8).toString('hex'),
  sub: 'ana',
  events: EVENT,
  ...over,
})

describe('back-channel logout', () => {
  it('refuses forged, misaddressed and malformed logout tokens, and ends nothing', async () => {
    const noNonce = claims()
    const cases: Array<[string, Promise<string>, RegExp]> = [
      ['signed by another key', e.idp.signLogoutToken(claims(), { foreignKey: true }), /JWS_SIGNATURE_VERIFICATION_FAILED|no applicable key/i],
      ['another audience', e.idp.signLogoutToken(claims({ aud: 'another-client' })), /aud/],
      ['another issuer', e.idp.signLogoutToken(claims({ iss: 'http://127.0.0.1:1' })), /iss/],
      ['without the event', e.idp.signLogoutToken(claims({ events: { 'http://example.com/other': {} } })), /events/],
      ['with a nonce', e.idp.signLogoutToken({ ...noNonce, nonce: 'n' }), /nonce/],
      ['naming neither sub nor sid', e.idp.signLogoutToken(claims({ sub: undefined })), /neither sub nor sid/],
      ['too old', e.idp.signLogoutToken(claims({ iat: Math.floor(Date.now() / 1000) - 3600 })), /iat|EXPIRED/],
    ]
    for (const [what, token, why] of cases) {
      const r = await postLogout(await token)
      expect({ what, status: r.status, code: r.json.error?.code }).toEqual({ what, status: 400, code: 'bad_request' })
      expect(r.json.error?.message, what).toMatch(why)
    }
    expect((await postLogout('not-a-jwt')).status).toBe(400)
    expect((await http(base(), 'POST', logoutUri(), {})).json.error?.code).toBe('bad_request')
    // Another organisation's URI (no SSO there) ends nothing either.
    expect((await http(base(), 'POST', '/v1/orgs/globex/sso/backchannel-logout', { logout_token: await e.idp.signLogoutToken(claims()) })).json.error?.code).toBe('not_found')
    expect((await identity()).endedAt).toBeNull()
    expect((await http(base(), 'GET', '/v1/devices', undefined, ana.token)).status).toBe(200)
  })

  it('the provider’s logout closes the person’s socket, refuses their token and any new session until they sign in again', async () => {
    const socket = await openSocket(base(), ana.token)
    const sid = (await identity()).sid
    expect(sid).toEqual(expect.any(String))
    await e.idp.backchannelLogout('ana', sid!)

    expect(await socket.closed).toMatchObject({ code: CloseCode.sessionEnded })
    expect((await identity()).endedAt).toEqual(expect.any(Number))
    expect((await http(base(), 'GET', '/v1/devices', undefined, ana.token)).json.error?.message).toMatch(/ended at the identity provider/)
    await expect(rawSignIn(base(), ana.deviceId, ana.secretKey)).rejects.toThrow(/ended at the identity provider/)
    // Other people's sessions hold.
    expect((await http(base(), 'GET', '/v1/devices', undefined, e.acmeOwner.token)).status).toBe(200)

    // A new sign-in at the provider gives a new session; the token from before the logout stays refused.
    const fresh = await e.signInWithTicket(ana, 'ana')
    expect(fresh.status, JSON.stringify(fresh.json)).toBe(200)
    expect((await http(base(), 'GET', '/v1/devices', undefined, fresh.json.token as string)).status).toBe(200)
    expect((await http(base(), 'GET', '/v1/devices', undefined, ana.token)).json.error?.code).toBe('unauthenticated')
    ana.token = fresh.json.token as string
  })

  it('a logout token by sid, and its replay: the first ends the session, the replay is refused', async () => {
    const sid = (await identity()).sid!
    const token = await e.idp.signLogoutToken(claims({ sub: undefined, sid }))
    expect((await postLogout(token)).status).toBe(200)
    expect((await http(base(), 'GET', '/v1/devices', undefined, ana.token)).json.error?.code).toBe('unauthenticated')
    const replay = await postLogout(token)
    expect(replay.status).toBe(400)
    expect(replay.json.error?.message).toMatch(/already used/)
  })
})

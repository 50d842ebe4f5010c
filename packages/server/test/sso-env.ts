// A server with two organisations and a real OpenID Connect provider (oidc-provider on loopback)
// for acme: the operator, acme's owner and support admin, globex's owner (an admin of another
// organisation), and people at the provider. acme requires SSO once `configure()` ran.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import { authStatement, registrationStatement, toBase64Url, enrolmentStatement, type DeviceId } from '@candor/protocol'
import { SqliteStore } from '@candor/store-sqlite'
import { Browser, startTestIdp, type TestIdp } from '@candor/testkit/test-idp'
import { createServer, generateServerKeys, type CandorServer } from '../src/index.ts'
import { http, rawRegister, rawSignIn, type RawDevice } from './raw-client.ts'

export interface SsoEnv {
  server: CandorServer
  store: SqliteStore
  dbPath: string
  idp: TestIdp
  operator: RawDevice
  acmeOwner: RawDevice
  acmeSupport: RawDevice
  globexOwner: RawDevice
  /** A person of acme without any role. */
  acmeMember: RawDevice
  settings: Record<string, unknown>
  configure(over?: Record<string, unknown>): Promise<Awaited<ReturnType<typeof http>>>
  /** The code flow in a browser: start at the server, log in at the provider, the callback's JSON. */
  signIn(login: string, password?: string): Promise<Record<string, unknown>>
  register(userId: string, ssoTicket?: string, org?: string): Promise<{ res: Awaited<ReturnType<typeof http>>; key: ReturnType<typeof generateDeviceKey> }>
  enrol(userId: string, ssoTicket?: string): Promise<Awaited<ReturnType<typeof http>>>
  /** Signs the device in with a fresh sign-in at the provider as `login` (challenge, signature, ticket). */
  signInWithTicket(device: RawDevice, login: string): Promise<Awaited<ReturnType<typeof http>>>
  close(): Promise<void>
}

const must = (ok: boolean, what: string) => {
  if (!ok) throw new Error(`setup: ${what}`)
}

export async function startSsoEnv(): Promise<SsoEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'candor-sso-'))
  const dbPath = join(dir, 'db.sqlite')
  const store = SqliteStore.open(dbPath)
  const server = await createServer({ store, keys: generateServerKeys(), logLevel: 'silent', httpRatePerSecond: 100_000, ssoAllowInsecureIssuers: true })
  const base = server.url
  const operator = await rawRegister(base, 'ops')
  must((await http(base, 'POST', '/v1/admin/enrol', { token: await server.context.admins.enrolmentToken() }, operator.token)).status === 201, 'operator enrols')
  for (const [id, domain] of [['acme', 'acme.example'], ['globex', 'globex.example']] as const) {
    must((await http(base, 'POST', '/v1/orgs', { id, name: id, signup: 'open' }, operator.token)).status === 201, `${id} created`)
    must((await http(base, 'POST', `/v1/orgs/${id}/domains`, { domain }, operator.token)).status === 200, `${domain} verified`)
  }
  const person = async (userId: string, org: string, role?: string): Promise<RawDevice> => {
    const k = generateDeviceKey()
    const pk = toBase64Url(k.publicKey)
    const r = await http(base, 'POST', '/v1/register', { userId, publicKey: pk, deviceName: 'd', signature: toBase64Url(signDetached(k.secretKey, registrationStatement(userId, pk))), org })
    must(r.status === 201, `${userId} registers: ${JSON.stringify(r.json)}`)
    const deviceId = r.json.deviceId as DeviceId
    const token = await rawSignIn(base, deviceId, k.secretKey)
    if (role) must((await http(base, 'POST', '/v1/admin/admins', { userId, role }, operator.token)).status === 201, `${userId} is ${role}`)
    return { userId, deviceId, token, publicKey: k.publicKey, secretKey: k.secretKey }
  }
  const acmeOwner = await person('owner@acme.example', 'acme', 'owner')
  const acmeSupport = await person('support@acme.example', 'acme', 'support')
  const acmeMember = await person('member@acme.example', 'acme')
  const globexOwner = await person('owner@globex.example', 'globex', 'owner')

  const idp = await startTestIdp({
    redirectUri: `${base}/v1/sso/callback`,
    backchannelLogoutUri: `${base}/v1/orgs/acme/sso/backchannel-logout`,
    accounts: {
      ana: { password: 'ana-pw', email: 'ana@acme.example', groups: ['engineering', 'staff'] },
      owner: { password: 'owner-pw', email: 'owner@acme.example' },
      ben: { password: 'ben-pw', email: 'Ben@Acme.Example' },
      eve: { password: 'eve-pw', email: 'eve@elsewhere.example' },
      una: { password: 'una-pw', email: 'una@acme.example', emailVerified: false },
    },
  })
  const settings = { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, allowedDomains: ['acme.example'], groupsClaim: 'groups', requireSso: true, reauthMinutes: 60 }
  const browser = () => new Browser()

  const env: SsoEnv = {
    server,
    store,
    dbPath,
    idp,
    operator,
    acmeOwner,
    acmeSupport,
    globexOwner,
    acmeMember,
    settings,
    configure: (over = {}) => http(base, 'PUT', '/v1/orgs/acme/sso', { ...settings, ...over }, acmeOwner.token),
    async signIn(login, password) {
      const b = browser()
      const form = await b.go(`${base}/v1/orgs/acme/sso/start`)
      if (form.status !== 200 || !form.text.includes('name="login"')) throw new Error(`no login form: ${form.status} ${form.text.slice(0, 200)}`)
      const done = await b.submit(form, { login, password: password ?? idp.accounts[login]!.password })
      return { httpStatus: done.status, url: done.url, ...(JSON.parse(done.text) as Record<string, unknown>) }
    },
    async register(userId, ssoTicket, org = 'acme') {
      const key = generateDeviceKey()
      const pk = toBase64Url(key.publicKey)
      const res = await http(base, 'POST', '/v1/register', {
        userId,
        publicKey: pk,
        deviceName: 'laptop',
        signature: toBase64Url(signDetached(key.secretKey, registrationStatement(userId, pk))),
        org,
        ...(ssoTicket !== undefined ? { ssoTicket } : {}),
      })
      return { res, key }
    },
    async enrol(userId, ssoTicket) {
      const k = generateDeviceKey()
      const pk = toBase64Url(k.publicKey)
      return http(base, 'POST', '/v1/enrolments', {
        userId,
        publicKey: pk,
        deviceName: 'phone',
        signature: toBase64Url(signDetached(k.secretKey, enrolmentStatement(userId, pk, 'phone'))),
        ...(ssoTicket !== undefined ? { ssoTicket } : {}),
      })
    },
    async signInWithTicket(device, login) {
      const t = await env.signIn(login)
      const challenge = (await http(base, 'POST', '/v1/auth/challenge', { deviceId: device.deviceId })).json.challenge as string
      const signature = toBase64Url(signDetached(device.secretKey, authStatement(device.deviceId, challenge)))
      return http(base, 'POST', '/v1/auth/session', { deviceId: device.deviceId, challenge, signature, ssoTicket: t.ticket })
    },
    async close() {
      await server.close()
      await idp.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return env
}

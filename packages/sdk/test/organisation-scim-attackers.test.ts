// Who may not use SCIM: no token, a made-up token, a malformed header, a revoked token and
// another organisation's token get nothing of acme's people and change nothing of them; only an
// owner (or the operator, in `default`) creates, lists and revokes tokens — an admin, a support
// admin, another organisation's owner, a person without a role and a stranger are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newScimToken } from '@candor/protocol'
import type { CandorClient } from '../src/index.ts'
import { code, startOrgEnv, type OrgEnv } from './org-env.ts'
import { ERROR, GROUP, PATCH_OP, USER, scim } from './scim-http.ts'

let o: OrgEnv
let acmeOwner: CandorClient
let globexOwner: CandorClient
let acmeToken: string
let globexToken: string
let revokedToken: string
let aliceId: string
let groupId: string
const store = () => o.env.server.context.store
const as = (token: string | undefined) => (method: string, path: string, body?: unknown, headers?: Record<string, string>) => scim(o.env.server.url, method, path, { ...(token !== undefined ? { token } : {}), body, ...(headers ? { headers } : {}) })

/** Everything acme's SCIM data is, as the store has it. */
const snapshot = async () => JSON.stringify([await store().listScimUsers('acme' as never, {}, 0, 1000), await store().listScimGroups('acme' as never, {}, 0, 1000), await store().listScimTokens('acme' as never)])

beforeAll(async () => {
  o = await startOrgEnv()
  acmeOwner = await o.person('owner@acme.example', 'acme')
  await o.root.admin.grant('owner@acme.example', 'owner')
  globexOwner = await o.person('owner@globex.example', 'globex')
  await o.root.admin.grant('owner@globex.example', 'owner')
  acmeToken = (await acmeOwner.admin.createScimToken('acme')).token
  globexToken = (await globexOwner.admin.createScimToken('globex')).token
  const revoked = await acmeOwner.admin.createScimToken('acme')
  revokedToken = revoked.token
  await acmeOwner.admin.revokeScimToken('acme', revoked.id)
  aliceId = (await as(acmeToken)('POST', '/Users', { schemas: [USER], userName: 'alice@acme.example', externalId: 'a-1' })).json.id
  groupId = (await as(acmeToken)('POST', '/Groups', { schemas: [GROUP], displayName: 'Acme', members: [{ value: aliceId }] })).json.id
})
afterAll(async () => o.close())

describe('SCIM requests from anyone but acme’s own token', () => {
  const requests = (): Array<[string, string, unknown?]> => [
    ['GET', '/Users'],
    ['GET', `/Users/${aliceId}`],
    ['GET', `/Users?filter=${encodeURIComponent('userName eq "alice@acme.example"')}`],
    ['POST', '/Users', { schemas: [USER], userName: 'mallory@acme.example' }],
    ['PUT', `/Users/${aliceId}`, { schemas: [USER], userName: 'alice@acme.example', active: false }],
    ['PATCH', `/Users/${aliceId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] }],
    ['DELETE', `/Users/${aliceId}`],
    ['GET', `/Groups/${groupId}`],
    ['PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] }],
    ['DELETE', `/Groups/${groupId}`],
    ['GET', '/ServiceProviderConfig'],
  ]
  const wrong: Array<[string, () => string | undefined, Record<string, string>?]> = [
    ['no token', () => undefined],
    ['a made-up token', () => newScimToken()],
    ['a revoked token', () => revokedToken],
    ['a device session token', () => 'abc.def.ghi'],
    ['a Basic header', () => undefined, { authorization: 'Basic YWRtaW46YWRtaW4=' }],
  ]
  for (const [who, token, headers] of wrong) {
    it(`${who}: 401, a SCIM error, nothing changed`, async () => {
      const before = await snapshot()
      for (const [method, path, body] of requests()) {
        const r = await as(token())(method, path, body, headers)
        expect([method, path, r.status, r.json.schemas]).toEqual([method, path, 401, [ERROR]])
      }
      expect(await snapshot()).toBe(before)
    })
  }

  it('globex’s token: acme’s people and groups do not exist for it, and nothing of them changes', async () => {
    const before = await snapshot()
    const g = as(globexToken)
    for (const [method, path, body] of requests()) {
      const r = await g(method, path, body)
      if (method === 'GET' && path.startsWith('/Users?')) expect(r.json).toMatchObject({ totalResults: 0, Resources: [] })
      else if (method === 'GET' && path === '/Users') expect(JSON.stringify(r.json)).not.toContain('alice@acme.example')
      else if (method === 'POST') expect([r.status, r.json.scimType]).toEqual([400, 'invalidValue']) // acme.example is acme's verified domain
      else if (path !== '/ServiceProviderConfig') expect([method, path, r.status]).toEqual([method, path, 404])
    }
    expect(await snapshot()).toBe(before)
    // A group of globex cannot take acme's person as a member.
    const foreign = await g('POST', '/Groups', { schemas: [GROUP], displayName: 'Steal', members: [{ value: aliceId }] })
    expect([foreign.status, foreign.json.scimType]).toEqual([400, 'invalidValue'])
    // Nor provision an id that is a person of acme (no verified domain needed to refuse it).
    await o.person('plainjoe', 'acme')
    const taken = await g('POST', '/Users', { schemas: [USER], userName: 'plainjoe' })
    expect([taken.status, taken.json.scimType]).toEqual([409, 'uniqueness'])
    expect(await store().membershipOf('plainjoe' as never)).toMatchObject({ org: 'acme' })
  })
})

describe('SCIM tokens: only an owner', () => {
  it('the owner creates one (shown once), lists them without secrets, revokes one; the revoked token stops at once', async () => {
    const t = await acmeOwner.admin.createScimToken('acme')
    expect(t.token).toMatch(/^scim_/)
    expect((await as(t.token)('GET', '/Users')).status).toBe(200)
    const list = await acmeOwner.admin.scimTokens('acme')
    expect(list.map((x) => x.id)).toContain(t.id)
    expect(JSON.stringify(list)).not.toContain(t.token)
    expect(JSON.stringify(await store().listScimTokens('acme' as never))).not.toContain(t.token)
    expect((await acmeOwner.admin.revokeScimToken('acme', t.id)).revokedAt).not.toBeNull()
    expect((await as(t.token)('GET', '/Users')).status).toBe(401)
  })

  it('an admin, a support admin, another organisation’s owner, a person without a role, a stranger: refused, no token made', async () => {
    const admin = await o.person('adam@acme.example', 'acme')
    await o.root.admin.grant('adam@acme.example', 'admin')
    const support = await o.person('sue@acme.example', 'acme')
    await o.root.admin.grant('sue@acme.example', 'support')
    const nobody = await o.person('ned@acme.example', 'acme')
    const before = (await store().listScimTokens('acme' as never)).length
    expect(await code(admin.admin.createScimToken('acme'))).toBe('forbidden')
    expect(await code(support.admin.createScimToken('acme'))).toBe('forbidden')
    expect(await code(nobody.admin.createScimToken('acme'))).toBe('forbidden')
    expect(await code(globexOwner.admin.createScimToken('acme'))).toBe('not_found')
    expect(await code(globexOwner.admin.scimTokens('acme'))).toBe('not_found')
    const first = (await store().listScimTokens('acme' as never))[0]!
    expect(await code(globexOwner.admin.revokeScimToken('acme', first.id))).toBe('not_found')
    expect(await code(globexOwner.admin.revokeScimToken('globex', first.id))).toBe('not_found')
    expect(await code(admin.admin.revokeScimToken('acme', first.id))).toBe('forbidden')
    const stranger = await fetch(`${o.env.server.url}/v1/orgs/acme/scim-tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(stranger.status).toBe(401)
    expect((await store().listScimTokens('acme' as never)).length).toBe(before)
    expect((await store().listScimTokens('acme' as never))[0]!.revokedAt).toBeNull()
  })
})

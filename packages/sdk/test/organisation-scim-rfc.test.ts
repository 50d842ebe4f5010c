// SCIM 2.0 at /scim/v2 driven with the request and response examples of RFC 7644 (§3.3 create,
// §3.4.1 get, §3.4.2 filter and paging, §3.5.1 replace, §3.5.2 PATCH, §3.6 delete, §3.12 errors,
// §4 discovery) on a real server, as acme's identity provider with acme's token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOrgEnv, type OrgEnv } from './org-env.ts'
import { ERROR, GROUP, LIST, PATCH_OP, USER, scim } from './scim-http.ts'

let o: OrgEnv
let token: string
let base: string
const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => scim(base, method, path, { token, body, ...(headers ? { headers } : {}) })

/** RFC 7644 §3.3's request, with an e-mail-style userName as Candor's organisations use. */
const bjensen = {
  schemas: [USER],
  userName: 'Bjensen@Acme.example',
  externalId: 'bjensen',
  name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
}

beforeAll(async () => {
  o = await startOrgEnv()
  base = o.env.server.url
  token = (await o.root.admin.createScimToken('default')).token
  const owner = await o.person('olivia@acme.example', 'acme')
  await o.root.admin.grant('olivia@acme.example', 'owner')
  token = (await owner.admin.createScimToken('acme')).token
})
afterAll(async () => o.close())

describe('RFC 7644 examples on /scim/v2', () => {
  let id: string
  let version: string

  it('§3.3 creates a User: 201, Location, ETag, meta; userName becomes the Candor user id', async () => {
    const r = await call('POST', '/Users', bjensen)
    expect(r.status, JSON.stringify(r.json)).toBe(201)
    expect(r.headers.get('content-type')).toMatch(/^application\/scim\+json/)
    id = r.json.id
    version = r.json.meta.version
    expect(r.json).toMatchObject({
      schemas: [USER],
      userName: 'bjensen@acme.example',
      externalId: 'bjensen',
      active: true,
      name: bjensen.name,
      meta: { resourceType: 'User', location: `${base}/scim/v2/Users/${id}`, version: 'W/"1"' },
    })
    expect(r.headers.get('location')).toBe(r.json.meta.location)
    expect(r.headers.get('etag')).toBe(version)
    expect(Date.parse(r.json.meta.created)).toBeGreaterThan(0)
  })

  it('§3.3 the same userName again: 409 uniqueness, a SCIM error', async () => {
    const r = await call('POST', '/Users', { ...bjensen, externalId: 'other' })
    expect(r.status).toBe(409)
    expect(r.json).toEqual({ schemas: [ERROR], status: '409', scimType: 'uniqueness', detail: expect.any(String) })
    const ext = await call('POST', '/Users', { ...bjensen, userName: 'babs@acme.example' })
    expect([ext.status, ext.json.scimType]).toEqual([409, 'uniqueness'])
  })

  it('§3.4.1 gets the User by id, with its ETag; If-None-Match of the same version is 304', async () => {
    const r = await call('GET', `/Users/${id}`)
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ id, userName: 'bjensen@acme.example', meta: { version } })
    expect(r.headers.get('etag')).toBe(version)
    expect((await call('GET', `/Users/${id}`, undefined, { 'if-none-match': version })).status).toBe(304)
    const missing = await call('GET', '/Users/AAAAAAAAAAAAAAAA')
    expect(missing.json).toMatchObject({ schemas: [ERROR], status: '404' })
  })

  it('§3.4.2.2 filters by userName eq (not case-exact) and externalId eq', async () => {
    await call('POST', '/Users', { schemas: [USER], userName: 'jsmith@acme.example', externalId: 'jsmith' })
    for (const f of ['userName eq "bjensen@acme.example"', 'UserName Eq "BJENSEN@acme.example"', 'externalId eq "bjensen"', 'userName eq "bjensen@acme.example" and externalId eq "bjensen"']) {
      const r = await call('GET', `/Users?filter=${encodeURIComponent(f)}`)
      expect([f, r.status, r.json.schemas, r.json.totalResults, r.json.Resources.map((u: { id: string }) => u.id)]).toEqual([f, 200, [LIST], 1, [id]])
    }
    const none = await call('GET', `/Users?filter=${encodeURIComponent('externalId eq "nobody"')}`)
    expect(none.json).toMatchObject({ totalResults: 0, Resources: [] })
    // Other filters are evaluated over the organisation's Users by the filter library.
    const sw = await call('GET', `/Users?filter=${encodeURIComponent('userName sw "j"')}`)
    expect(sw.json.Resources.map((u: { userName: string }) => u.userName)).toEqual(['jsmith@acme.example'])
    const bad = await call('GET', `/Users?filter=${encodeURIComponent('userName eq')}`)
    expect([bad.status, bad.json.scimType]).toEqual([400, 'invalidFilter'])
  })

  it('§3.4.2.4 pages with startIndex and count; totalResults counts all', async () => {
    const first = await call('GET', '/Users?startIndex=1&count=1')
    expect(first.json).toMatchObject({ totalResults: 2, startIndex: 1, itemsPerPage: 1 })
    const second = await call('GET', '/Users?startIndex=2&count=1')
    expect(second.json).toMatchObject({ totalResults: 2, startIndex: 2, itemsPerPage: 1 })
    expect(second.json.Resources[0].id).not.toBe(first.json.Resources[0].id)
    expect((await call('GET', '/Users?startIndex=3&count=10')).json).toMatchObject({ totalResults: 2, itemsPerPage: 0, Resources: [] })
    expect((await call('GET', '/Users?count=0')).json).toMatchObject({ totalResults: 2, itemsPerPage: 0 })
  })

  it('§3.5.1 replaces the User with If-Match; a stale If-Match is 412 and changes nothing', async () => {
    const replacement = {
      schemas: [USER],
      id,
      userName: 'bjensen@acme.example',
      externalId: 'bjensen',
      name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara', middleName: 'Jane' },
      roles: [],
      userType: 'Employee',
      emails: [{ value: 'bjensen@example.com' }, { value: 'babs@jensen.org' }],
    }
    const r = await call('PUT', `/Users/${id}`, replacement, { 'if-match': version })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    expect(r.json).toMatchObject({ userType: 'Employee', name: { middleName: 'Jane' }, meta: { version: 'W/"2"' } })
    const stale = await call('PUT', `/Users/${id}`, { ...replacement, userType: 'Contractor' }, { 'if-match': version })
    expect(stale.json).toMatchObject({ schemas: [ERROR], status: '412' })
    expect((await call('GET', `/Users/${id}`)).json).toMatchObject({ userType: 'Employee', meta: { version: 'W/"2"' } })
    version = 'W/"2"'
    const renamed = await call('PUT', `/Users/${id}`, { ...replacement, userName: 'barbara@acme.example' })
    expect([renamed.status, renamed.json.scimType]).toEqual([400, 'mutability'])
  })

  it('§3.5.2.3 PATCH replace without a path, and of one attribute', async () => {
    const r = await call('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { emails: [{ value: 'bjenson@example.com', type: 'work', primary: true }], nickName: 'Babs' } }],
    })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    expect(r.json).toMatchObject({ nickName: 'Babs', emails: [{ value: 'bjenson@example.com', type: 'work', primary: true }], meta: { version: 'W/"3"' } })
    const one = await call('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: 'Babs Jensen' }] }, { 'if-match': 'W/"3"' })
    expect(one.json).toMatchObject({ displayName: 'Babs Jensen', meta: { version: 'W/"4"' } })
    const stale = await call('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'X' }] }, { 'if-match': 'W/"3"' })
    expect(stale.status).toBe(412)
    const bad = await call('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'explode', path: 'displayName' }] })
    expect(bad.json).toMatchObject({ schemas: [ERROR], status: '400' })
    const noSchema = await call('PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'displayName', value: 'X' }] })
    expect(noSchema.status).toBe(400)
    expect((await call('GET', `/Users/${id}`)).json).toMatchObject({ displayName: 'Babs Jensen', meta: { version: 'W/"4"' } })
  })

  it('§3.5.2 PATCH active false, then true', async () => {
    const off = await call('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] })
    expect(off.json).toMatchObject({ active: false })
    // As some identity providers send it.
    const on = await call('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'True' }] })
    expect(on.json).toMatchObject({ active: true })
  })

  it('§3.12 bad bodies: SCIM errors with scimType, nothing stored', async () => {
    const before = (await call('GET', '/Users')).json.totalResults
    const cases: Array<[unknown, number, string]> = [
      [{ userName: 'x@acme.example' }, 400, 'invalidSyntax'],
      [{ schemas: [USER] }, 400, 'invalidValue'],
      [{ schemas: [USER], userName: 'not an id!' }, 400, 'invalidValue'],
      [{ schemas: [USER], userName: 'x@acme.example', active: 'maybe' }, 400, 'invalidValue'],
      [{ schemas: [USER], userName: 'x@globex.example' }, 400, 'invalidValue'],
      ['{"schemas":', 400, 'invalidSyntax'],
    ]
    for (const [body, status, type] of cases) {
      const r = await call('POST', '/Users', body)
      expect([JSON.stringify(body), r.status, r.json.scimType, r.json.schemas]).toEqual([JSON.stringify(body), status, type, [ERROR]])
    }
    expect((await call('GET', '/Users')).json.totalResults).toBe(before)
    const plainJson = await fetch(`${base}/scim/v2/Users`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ schemas: [USER], userName: 'json@acme.example' }) })
    expect(plainJson.status).toBe(201)
  })

  it('§3.5.2.1/§3.5.2.2 Groups: create, add members, remove one, remove all, replace, delete', async () => {
    const jsmith = (await call('GET', `/Users?filter=${encodeURIComponent('userName eq "jsmith@acme.example"')}`)).json.Resources[0].id as string
    const created = await call('POST', '/Groups', { schemas: [GROUP], displayName: 'Tour Guides', externalId: 'tg' })
    expect(created.status, JSON.stringify(created.json)).toBe(201)
    const gid = created.json.id as string
    expect(created.json).toMatchObject({ schemas: [GROUP], displayName: 'Tour Guides', members: [], meta: { resourceType: 'Group', version: 'W/"1"' } })
    const added = await call('PATCH', `/Groups/${gid}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ display: 'Babs Jensen', $ref: `${base}/scim/v2/Users/${id}`, value: id }, { value: jsmith }] }],
    })
    expect(added.status, JSON.stringify(added.json)).toBe(200)
    expect(added.json.members.map((m: { value: string }) => m.value).sort()).toEqual([id, jsmith].sort())
    const removed = await call('PATCH', `/Groups/${gid}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] })
    expect(removed.json.members.map((m: { value: string }) => m.value)).toEqual([jsmith])
    const all = await call('PATCH', `/Groups/${gid}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] })
    expect(all.json.members).toEqual([])
    const replaced = await call('PUT', `/Groups/${gid}`, { schemas: [GROUP], displayName: 'Guides', members: [{ value: id }] }, { 'if-match': all.json.meta.version })
    expect(replaced.json).toMatchObject({ displayName: 'Guides', members: [{ value: id, type: 'User' }] })
    expect((await call('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Guides"')}`)).json.totalResults).toBe(1)
    const foreign = await call('PATCH', `/Groups/${gid}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: 'AAAAAAAAAAAAAAAA' }] }] })
    expect([foreign.status, foreign.json.scimType]).toEqual([400, 'invalidValue'])
    expect((await call('DELETE', `/Groups/${gid}`, undefined, { 'if-match': 'W/"1"' })).status).toBe(412)
    expect((await call('DELETE', `/Groups/${gid}`)).status).toBe(204)
    expect((await call('GET', `/Groups/${gid}`)).status).toBe(404)
  })

  it('§3.6 deletes the User: 204, then 404', async () => {
    expect((await call('DELETE', `/Users/${id}`, undefined, { 'if-match': 'W/"1"' })).status).toBe(412)
    const r = await call('DELETE', `/Users/${id}`)
    expect(r.status).toBe(204)
    expect((await call('GET', `/Users/${id}`)).json).toMatchObject({ schemas: [ERROR], status: '404' })
    expect((await call('DELETE', `/Users/${id}`)).status).toBe(404)
  })

  it('§4 discovery: ServiceProviderConfig, ResourceTypes, Schemas', async () => {
    const spc = await call('GET', '/ServiceProviderConfig')
    expect(spc.json).toMatchObject({ patch: { supported: true }, filter: { supported: true, maxResults: 500 }, etag: { supported: true }, bulk: { supported: false }, authenticationSchemes: [{ type: 'oauthbearertoken' }] })
    const types = await call('GET', '/ResourceTypes')
    expect(types.json.Resources.map((t: { id: string; endpoint: string }) => [t.id, t.endpoint])).toEqual([['User', '/Users'], ['Group', '/Groups']])
    expect((await call('GET', '/ResourceTypes/User')).json).toMatchObject({ schema: USER })
    const schemas = await call('GET', '/Schemas')
    expect(schemas.json.Resources.map((s: { id: string }) => s.id)).toEqual([USER, GROUP])
    expect((await call('GET', `/Schemas/${encodeURIComponent(GROUP)}`)).json).toMatchObject({ name: 'Group' })
    expect((await call('GET', '/Nothing')).json).toMatchObject({ schemas: [ERROR], status: '404' })
  })
})

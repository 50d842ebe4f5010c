// Invite links through a real server (docs/protocol.md "Invite links"), as their creator, the
// person they were sent to, and attackers: a guessed secret, an expired, a revoked and a used-up
// link are refused and change nothing; only the creator lists or revokes theirs; a blocked person
// or an organisation whose policy keeps people to its members cannot connect through one; the
// database holds the secret's hash, never the secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { DEFAULT_ORG_POLICY, type UserId } from '@candor/protocol'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { http, rawRegister, type RawDevice } from './raw-client.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let running: SqliteServer
let store: SqliteStore
let server: CandorServer
let n = 0

const secret = () => randomBytes(32).toString('base64url')
const hash = (s: string) => createHash('sha256').update(Buffer.from(s, 'base64url')).digest('base64url')
const create = (as: RawDevice | null, s: string, maxUses = 1, expiresInSeconds = 3600) =>
  http(server.url, 'POST', '/v1/invites', { secretHash: hash(s), maxUses, expiresInSeconds }, as?.token)
const redeem = (as: RawDevice | null, s: string) => http(server.url, 'POST', '/v1/invites/redeem', { secret: s }, as?.token)
const person = (name: string, org?: string) => rawRegister(server.url, `inv-${name}-${n}`, org)
const contact = (a: RawDevice, b: RawDevice) => store.contacts().isContact(a.userId as UserId, b.userId as UserId)

beforeAll(async () => {
  running = await startSqliteServer('invites', { httpRatePerSecond: 100_000 })
  server = running.server
  store = running.store
  n++
})

afterAll(() => running?.close())

describe('invite links', () => {
  it('a link makes its creator and the redeemer each other’s contacts; the server keeps the hash only', async () => {
    const [ann, ben] = await Promise.all([person('ann'), person('ben')])
    const s = secret()
    const made = await create(ann, s, 2)
    expect(made.status, JSON.stringify(made.json)).toBe(201)
    expect(made.json).toMatchObject({ inviteId: hash(s), maxUses: 2, uses: 0, revoked: false })
    expect(await contact(ann, ben)).toBe(false)
    const r = await redeem(ben, s)
    expect(r.json).toEqual({ userId: ann.userId })
    expect(await contact(ann, ben)).toBe(true)
    expect(await contact(ben, ann)).toBe(true)
    expect((await http(server.url, 'GET', '/v1/invites', undefined, ann.token)).json.invites).toEqual([expect.objectContaining({ inviteId: hash(s), uses: 1 })])
    // The creator's own link: a clear refusal, no use counted.
    expect((await redeem(ann, s)).json.error?.code).toBe('bad_request')
    const files = readdirSync(running.dir).filter((f) => f.startsWith('db.sqlite')).map((f) => readFileSync(join(running.dir, f)).toString('latin1'))
    expect(files.some((t) => t.includes(hash(s)))).toBe(true) // negative control: the hash is there
    for (const t of files) expect(t.includes(s)).toBe(false)
  })

  it('refuses a guessed, an expired, a revoked and a used-up link, each changing nothing', async () => {
    const [ann, ben, cat, dan] = await Promise.all([person('ann2'), person('ben2'), person('cat2'), person('dan2')])
    // Guessed: no such invite.
    expect((await redeem(ben, secret())).json.error?.code).toBe('not_found')
    // Used beyond its limit: the second person is refused, the count stays at its limit.
    const once = secret()
    await create(ann, once, 1)
    expect((await redeem(ben, once)).status).toBe(200)
    const again = await redeem(cat, once)
    expect(again.status).toBe(410)
    expect(again.json.error).toMatchObject({ code: 'invite_invalid', details: { reason: 'used_up' } })
    expect(await contact(ann, cat)).toBe(false)
    // Expired (made as the route makes it, with a time already past).
    const old = secret()
    await store.invites().create({ inviteId: hash(old), creator: ann.userId as UserId, createdAt: Date.now() - 7_200_000, expiresAt: Date.now() - 1, maxUses: 5 }, 50)
    expect((await redeem(cat, old)).json.error).toMatchObject({ code: 'invite_invalid', details: { reason: 'expired' } })
    // Revoked by its creator; another person cannot revoke it (not found to them).
    const revoked = secret()
    await create(ann, revoked, 5)
    expect((await http(server.url, 'DELETE', `/v1/invites/${hash(revoked)}`, undefined, dan.token)).json.error?.code).toBe('not_found')
    expect((await redeem(dan, revoked)).status).toBe(200)
    expect((await http(server.url, 'DELETE', `/v1/invites/${hash(revoked)}`, undefined, ann.token)).json).toEqual({ revoked: true })
    expect((await redeem(cat, revoked)).json.error).toMatchObject({ code: 'invite_invalid', details: { reason: 'revoked' } })
    expect(await contact(ann, cat)).toBe(false)
    expect((await store.invites().get(hash(revoked)))!.uses).toBe(1)
    // Another person's list never shows ann's invites.
    expect((await http(server.url, 'GET', '/v1/invites', undefined, dan.token)).json).toEqual({ invites: [] })
  })

  it('no session, a revoked device, bad input: refused; a stranger cannot make or use a link', async () => {
    const [ann, rita] = await Promise.all([person('ann3'), person('rita3')])
    const s = secret()
    await create(ann, s, 5)
    expect((await redeem(null, s)).json.error?.code).toBe('unauthenticated')
    expect((await create(null, secret())).json.error?.code).toBe('unauthenticated')
    expect((await http(server.url, 'DELETE', `/v1/devices/${rita.deviceId}`, undefined, rita.token)).status).toBe(200)
    expect((await redeem(rita, s)).json.error?.code).toBe('device_revoked')
    for (const body of [{ secret: 'short' }, { secret: s, extra: 1 }, {}]) {
      expect((await http(server.url, 'POST', '/v1/invites/redeem', body, ann.token)).json.error?.code).toBe('bad_request')
    }
    for (const body of [
      { secretHash: hash(secret()), maxUses: 0, expiresInSeconds: 3600 },
      { secretHash: hash(secret()), maxUses: 101, expiresInSeconds: 3600 },
      { secretHash: hash(secret()), maxUses: 1, expiresInSeconds: 59 },
      { secretHash: hash(secret()), maxUses: 1, expiresInSeconds: 31 * 24 * 3600 },
      { secretHash: 'x', maxUses: 1, expiresInSeconds: 3600 },
    ]) {
      expect((await http(server.url, 'POST', '/v1/invites', body, ann.token)).json.error?.code, JSON.stringify(body)).toBe('bad_request')
    }
    expect((await http(server.url, 'DELETE', '/v1/invites/not-an-id', undefined, ann.token)).json.error?.code).toBe('bad_request')
    expect((await store.invites().get(hash(s)))!.uses).toBe(0)
  })

  it('goes through the consent rules: a block on either side or an organisation’s members-only scope refuses it', async () => {
    const [ann, ben] = await Promise.all([person('ann4'), person('ben4')])
    expect((await http(server.url, 'PUT', `/v1/blocks/${ben.userId}`, {}, ann.token)).status).toBeLessThan(300)
    const s = secret()
    await create(ann, s, 5)
    expect((await redeem(ben, s)).json.error?.code).toBe('forbidden')
    expect(await contact(ben, ann)).toBe(false)
    expect((await store.invites().get(hash(s)))!.uses).toBe(0)

    // An organisation whose people may talk to members only: an outsider's link cannot reach them.
    const org = `inv-org-${n}`
    const ops = await person('ops')
    expect((await http(server.url, 'POST', '/v1/admin/enrol', { token: await server.context.admins.enrolmentToken() }, ops.token)).status).toBe(201)
    expect((await http(server.url, 'POST', '/v1/orgs', { id: org, name: 'Members Only', signup: 'open' }, ops.token)).status).toBe(201)
    const mia = await person('mia', org)
    const outsider = await person('out')
    await server.context.policies.set((await store.getAdmin(ops.userId as UserId))!, org as never, { ...DEFAULT_ORG_POLICY, contacts: { ...DEFAULT_ORG_POLICY.contacts, scope: 'members' } })
    const fromOutside = secret()
    await create(outsider, fromOutside, 5)
    expect((await redeem(mia, fromOutside)).json.error?.code).toBe('forbidden')
    const fromMia = secret()
    await create(mia, fromMia, 5)
    expect((await redeem(outsider, fromMia)).json.error?.code).toBe('forbidden')
    expect(await contact(mia, outsider)).toBe(false)
  })
})

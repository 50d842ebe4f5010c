// What a socket's sign-in reads of the store. Every socket of a reconnect storm is checked, so a
// device whose organisation has no identity provider is checked with one read (its device, and
// whether SSO can apply: Store.deviceAccess); where the organisation has provider settings, the
// single sign-on check runs in full, as before.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { CloseCode, decodeServerFrame, type OrgId } from '@candor/protocol'
import type { SsoConfigRecord } from '@candor/ports'
import type { SqliteStore } from '@candor/store-sqlite'
import type { CandorServer } from '../src/index.ts'
import { openSocket, rawRegister } from './raw-client.ts'
import { startSqliteServer, type SqliteServer } from './sqlite-server.ts'

let server: CandorServer
let store: SqliteStore
let running: SqliteServer

beforeAll(async () => {
  running = await startSqliteServer('socket-auth-reads', { httpRatePerSecond: 10_000 })
  server = running.server
  store = running.store
})
afterAll(() => running.close())
afterEach(() => {
  vi.restoreAllMocks()
})

/** Counts (and passes on to the real store) the reads a socket auth may make. */
function countReads() {
  return {
    deviceAccess: vi.spyOn(store, 'deviceAccess'),
    getDevice: vi.spyOn(store, 'getDevice'),
    ssoSessionOf: vi.spyOn(store, 'ssoSessionOf'),
    membershipOf: vi.spyOn(store, 'membershipOf'),
    getSsoConfig: vi.spyOn(store, 'getSsoConfig'),
  }
}

const settings = (requireSso: boolean): SsoConfigRecord => ({
  issuer: 'https://idp.example/realms/acme',
  clientId: 'candor',
  clientSecretBox: new Uint8Array(44),
  allowedDomains: ['acme.example'],
  groupsClaim: null,
  requireSso,
  reauthMs: 3_600_000,
  updatedAt: Date.now(),
})

async function organisation(id: string): Promise<OrgId> {
  expect(await store.createOrganisation({ id: id as OrgId, name: id, signup: 'open', createdAt: Date.now() })).toBe(true)
  return id as OrgId
}

describe('the store reads of a socket’s sign-in', () => {
  it('a device whose organisation has no identity provider: one read, no SSO, membership or settings lookups', async () => {
    const ana = await rawRegister(server.url, 'ana')
    const reads = countReads()
    const s = await openSocket(server.url, ana.token)
    expect(decodeServerFrame(s.frames[0]!)).toEqual({ type: 'notice', notice: { kind: 'synced' } })
    expect(reads.deviceAccess).toHaveBeenCalledTimes(1)
    expect(reads.getDevice).not.toHaveBeenCalled()
    expect(reads.ssoSessionOf).not.toHaveBeenCalled()
    expect(reads.membershipOf).not.toHaveBeenCalled()
    expect(reads.getSsoConfig).not.toHaveBeenCalled()
    s.ws.close()
  })

  it('an organisation with provider settings that require SSO: a member who never signed in there is refused', async () => {
    const org = await organisation('reads-required')
    const bea = await rawRegister(server.url, 'bea@acme.example', org)
    expect(await store.setSsoConfig(org, settings(true))).toBe(true)
    const reads = countReads()
    await expect(openSocket(server.url, bea.token)).rejects.toThrow(`${CloseCode.authRefused} unauthenticated`)
    expect(reads.ssoSessionOf).toHaveBeenCalledTimes(1)
    expect(await server.context.bus.isOnline(bea.deviceId as never)).toBe(false)
  })

  it('an organisation with provider settings that do not require SSO: the check runs (the policy could) and lets the member in', async () => {
    const org = await organisation('reads-optional')
    const cai = await rawRegister(server.url, 'cai@acme.example', org)
    expect(await store.setSsoConfig(org, settings(false))).toBe(true)
    const reads = countReads()
    const s = await openSocket(server.url, cai.token)
    expect(decodeServerFrame(s.frames[0]!)).toEqual({ type: 'notice', notice: { kind: 'synced' } })
    expect(reads.ssoSessionOf).toHaveBeenCalledTimes(1)
    expect(reads.getSsoConfig).toHaveBeenCalledTimes(1)
    s.ws.close()
  })
})

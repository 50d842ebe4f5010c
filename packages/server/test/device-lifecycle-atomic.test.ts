// Registration, revocation and erasure are each one store transaction that also records the key
// directory's backlog row (docs/protocol.md §4.6). Before, each was several steps: a failure
// between them left the device table and the directory disagreeing for good (a revoked device
// still served to everyone as the person's key), or a device revoked yet still on its groups'
// delivery rosters. Failures are injected through the real SQLite store: the directory's
// publication failing after the store committed (then the node "crashes" and a new one starts
// on the same database), and the database itself refusing a step in the middle of a revocation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeDirectoryValue, newGroupId, type DeviceId, type UserId } from '@candor/protocol'
import type { Store } from '@candor/ports'
import { SqliteStore } from '@candor/store-sqlite'
import { createServer, generateServerKeys, type CandorServer, type ServerKeys } from '../src/index.ts'
import { http, rawDeleteAccount, rawEnrolApproved, rawRegister } from './raw-client.ts'

let dir: string
let file: string
let keys: ServerKeys
let store: SqliteStore
let server: CandorServer
/** While set, the directory cannot publish: the store's directory lock refuses. */
let directoryDown = false

/** The real store, whose directory lock throws while directoryDown is set. */
function withFailingDirectory(real: SqliteStore): Store {
  return new Proxy(real, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown
      if (prop === 'withDirectoryLock') {
        return <T>(fn: () => Promise<T>): Promise<T> => (directoryDown ? Promise.reject(new Error('injected: directory publication failed')) : real.withDirectoryLock(fn))
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  }) as Store
}

async function start(s: Store): Promise<CandorServer> {
  return createServer({ store: s, keys, logLevel: 'silent', httpRatePerSecond: 10_000, receiptSweepMs: 3_600_000 })
}

/** A node crash: this one stops, a new one starts on the same database and keys. */
async function restart(): Promise<void> {
  await server.close()
  await store.close()
  directoryDown = false
  store = SqliteStore.open(file)
  server = await start(store)
}

/** The devices the directory publishes for the user: ids, 'none' before any entry, 'erased' once tombstoned. */
async function published(userId: string): Promise<string[] | 'none' | 'erased'> {
  const proof = await server.context.directory.directory.lookup(userId)
  const latest = proof?.latest
  if (!latest) return 'none'
  if (latest.value === null) return 'erased'
  return decodeDirectoryValue(latest.value)!.devices.map((d) => d.id).sort()
}

/** The active devices the device table has for the user. */
async function active(userId: string): Promise<string[]> {
  return (await store.listDevices(userId as UserId)).filter((d) => d.status === 'active').map((d) => d.deviceId).sort()
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'candor-lifecycle-'))
  file = join(dir, 'db.sqlite')
  keys = generateServerKeys()
  store = SqliteStore.open(file)
  directoryDown = false
  server = await start(withFailingDirectory(store))
})
afterEach(async () => {
  await server.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the device lifecycle and the directory agree after a failure between them', () => {
  it('revocation: the directory publication fails after the store committed; after a restart the directory drops the device', async () => {
    const ana = await rawRegister(server.url, 'ana')
    const laptop = await rawEnrolApproved(server.url, ana)
    expect(await published('ana')).toEqual([ana.deviceId, laptop.deviceId].sort())
    directoryDown = true
    const r = await http(server.url, 'DELETE', `/v1/devices/${laptop.deviceId}`, undefined, ana.token)
    expect(r.status).toBe(500)
    expect(await active('ana')).toEqual([ana.deviceId])
    await restart()
    expect(await published('ana')).toEqual([ana.deviceId])
    expect(await published('ana')).toEqual(await active('ana'))
    expect(await store.directoryBacklog(100)).toEqual([])
  })

  it('registration: the directory publication fails; after a restart the new user is published', async () => {
    directoryDown = true
    await expect(rawRegister(server.url, 'bo')).rejects.toThrow('register failed')
    expect(await active('bo')).toHaveLength(1)
    await restart()
    expect(await published('bo')).toEqual(await active('bo'))
    expect(await published('bo')).toHaveLength(1)
  })

  it('erasure: the directory publication fails; after a restart the entry is empty and tombstoned', async () => {
    const zed = await rawRegister(server.url, 'zed')
    expect(await published('zed')).toEqual([zed.deviceId])
    directoryDown = true
    expect((await rawDeleteAccount(server.url, zed)).status).toBe(500)
    expect(await store.userExists('zed' as UserId)).toBe(false)
    await restart()
    expect(await published('zed')).toBe('erased')
    expect(await active('zed')).toEqual([])
  })

  it('the sweep applies the backlog on a node that keeps running once the directory is back', async () => {
    const cy = await rawRegister(server.url, 'cy')
    const laptop = await rawEnrolApproved(server.url, cy)
    directoryDown = true
    expect((await http(server.url, 'DELETE', `/v1/devices/${laptop.deviceId}`, undefined, cy.token)).status).toBe(500)
    directoryDown = false
    await server.context.directory.applyBacklog()
    expect(await published('cy')).toEqual([cy.deviceId])
  })
})

describe('a revocation the database refuses half-way changes nothing', () => {
  it('all or nothing: status, queue, key packages, rosters and the directory stay as they were', async () => {
    const ida = await rawRegister(server.url, 'ida')
    const laptop = await rawEnrolApproved(server.url, ida)
    const g = newGroupId()
    expect(await store.createGroup(g, laptop.deviceId, Date.now())).toBe(true)
    await store.addKeyPackages(laptop.deviceId, [new Uint8Array(40)], new Uint8Array(40))
    const before = {
      status: (await store.getDevice(laptop.deviceId))?.status,
      groups: (await store.listGroups(laptop.deviceId)).map((x) => x.groupId),
      keyPackages: await store.countKeyPackages(laptop.deviceId),
      published: await published('ida'),
      backlog: await store.directoryBacklog(100),
    }
    expect(before.groups).toEqual([g])
    // The database refuses to take the device off its rosters (a trigger, through a second
    // connection to the same file: the store's own connection sees it).
    const side = new Database(file)
    side.exec(`CREATE TRIGGER injected_failure BEFORE DELETE ON group_members WHEN OLD.device_id = '${laptop.deviceId}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
    const r = await http(server.url, 'DELETE', `/v1/devices/${laptop.deviceId}`, undefined, ida.token)
    expect(r.status).toBe(500)
    expect({
      status: (await store.getDevice(laptop.deviceId))?.status,
      groups: (await store.listGroups(laptop.deviceId)).map((x) => x.groupId),
      keyPackages: await store.countKeyPackages(laptop.deviceId),
      published: await published('ida'),
      backlog: await store.directoryBacklog(100),
    }).toEqual(before)
    expect((await http(server.url, 'GET', '/v1/devices', undefined, laptop.token)).status).toBe(200)
    // Once the database takes it, the revocation goes through whole.
    side.exec('DROP TRIGGER injected_failure')
    side.close()
    expect((await http(server.url, 'DELETE', `/v1/devices/${laptop.deviceId}`, undefined, ida.token)).status).toBe(200)
    expect(await store.listGroups(laptop.deviceId as DeviceId)).toEqual([])
    expect(await published('ida')).toEqual([ida.deviceId])
  })
})

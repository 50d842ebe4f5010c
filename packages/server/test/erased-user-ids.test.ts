// An erased account's user id is reserved for good (docs/protocol.md §1). Before, anyone could
// register it again — and their first screen then showed the erased person's directory history
// as "your account may be under attack". Now registration answers user_id_reserved and changes
// nothing; other ids are unaffected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import { deviceIdFromKey, enrolmentStatement, registrationStatement, toBase64Url, type UserId } from '@candor/protocol'
import { SqliteStore } from '@candor/store-sqlite'
import { createServer, generateServerKeys, type CandorServer } from '../src/index.ts'
import { http, rawDeleteAccount, rawRegister } from './raw-client.ts'

let server: CandorServer
let store: SqliteStore

beforeAll(async () => {
  store = SqliteStore.open(':memory:')
  server = await createServer({ store, keys: generateServerKeys(), logLevel: 'silent', httpRatePerSecond: 10_000 })
})
afterAll(async () => {
  await server.close()
  await store.close()
})

function registration(userId: string) {
  const k = generateDeviceKey()
  const publicKey = toBase64Url(k.publicKey)
  return { k, body: { userId, publicKey, deviceName: 'new owner?', signature: toBase64Url(signDetached(k.secretKey, registrationStatement(userId, publicKey))) } }
}

describe('erased user ids', () => {
  it('are never registered again: user_id_reserved, and nothing changes', async () => {
    const old = await rawRegister(server.url, 'olga')
    expect((await rawDeleteAccount(server.url, old)).status).toBe(200)
    const directoryBefore = await http(server.url, 'GET', '/v1/directory/lookup/olga')
    const epochBefore = server.context.directory.directory.epoch
    const { k, body } = registration('olga')
    const r = await http(server.url, 'POST', '/v1/register', body)
    expect(r.status).toBe(409)
    expect(r.json.error?.code).toBe('user_id_reserved')
    expect(await store.userExists('olga' as UserId)).toBe(false)
    expect(await store.getDevice(deviceIdFromKey(k.publicKey))).toBeNull()
    expect(server.context.directory.directory.epoch).toBe(epochBefore)
    expect((await http(server.url, 'GET', '/v1/directory/lookup/olga')).json).toEqual(directoryBefore.json)
    // Nor can anyone enrol a device into it.
    const pk = toBase64Url(k.publicKey)
    const enrol = await http(server.url, 'POST', '/v1/enrolments', { userId: 'olga', publicKey: pk, deviceName: 'x', signature: toBase64Url(signDetached(k.secretKey, enrolmentStatement('olga', pk, 'x'))) })
    expect(enrol.json.error?.code).toBe('unknown_user')
    // A second try, with the old key even, is refused the same way.
    expect((await http(server.url, 'POST', '/v1/register', { ...registration('olga').body })).json.error?.code).toBe('user_id_reserved')
  })

  it('reserve only the erased id: others, and a live user, behave as before', async () => {
    const ola = await rawRegister(server.url, 'ola')
    expect((await http(server.url, 'POST', '/v1/register', registration('ola').body)).json.error?.code).toBe('user_exists')
    expect(ola.token).toBeTruthy()
    await expect(rawRegister(server.url, 'olgaa')).resolves.toMatchObject({ userId: 'olgaa' })
  })
})

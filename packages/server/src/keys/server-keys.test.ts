import { describe, expect, it } from 'vitest'
import { inspect } from 'node:util'
import { randomBytes, toBase64Url } from '@candor/protocol'
import { randomLegacySecrets } from '@candor/testkit/legacy-secrets'
import {
  addTokenKey,
  dropOldTokenKeys,
  generateServerKeyFile,
  generateServerKeys,
  legacyConflicts,
  parseServerKeyFile,
  serverKeyFileFromLegacy,
  serverKeysOf,
  signingTokenKey,
} from './server-keys.ts'

const HOUR = 3_600_000
const text = (o: unknown) => JSON.stringify(o)

describe('server key file v1', () => {
  it('round-trips a generated file and decodes every key to 32 bytes', () => {
    const file = generateServerKeyFile(1_000)
    const parsed = parseServerKeyFile(text(file), 'test')
    expect(parsed).toEqual(file)
    const keys = serverKeysOf(parsed)
    for (const k of [keys.directorySigningKey, keys.directoryVrfKey, keys.accessLogSigningKey, keys.accessPseudonymKey, keys.adminEnrolmentSecret]) {
      expect(k).toHaveLength(32)
    }
    expect(keys.tokenKeys).toEqual([{ id: file.tokenKeys[0]!.id, key: expect.any(Uint8Array), signsFrom: 1_000 }])
  })

  it('refuses bad files with an error naming the source and the field', () => {
    const good = generateServerKeyFile(1)
    const cases: Array<[string, string, RegExp]> = [
      ['not json', '{', /k\.json: not valid JSON/],
      ['newer version', text({ ...good, v: 2 }), /version 2 is not supported.*reads version 1/],
      ['no version', text({ ...good, v: undefined }), /k\.json: v /],
      ['short key', text({ ...good, directorySigningKey: toBase64Url(randomBytes(16)) }), /directorySigningKey must be 32 bytes/],
      ['padded key', text({ ...good, directoryVrfKey: `${good.directoryVrfKey}=` }), /directoryVrfKey must be 32 bytes/],
      ['missing key', text({ ...good, accessLogSigningKey: undefined }), /accessLogSigningKey/],
      ['no token key', text({ ...good, tokenKeys: [] }), /tokenKeys must list at least one key/],
      ['bad token id', text({ ...good, tokenKeys: [{ ...good.tokenKeys[0]!, id: 'a.b' }] }), /tokenKeys\.0\.id/],
      ['duplicate token id', text({ ...good, tokenKeys: [good.tokenKeys[0]!, { ...good.tokenKeys[0]!, key: toBase64Url(randomBytes(32)) }] }), /listed twice/],
      ['bad createdAt', text({ ...good, tokenKeys: [{ ...good.tokenKeys[0]!, createdAt: -1 }] }), /createdAt/],
    ]
    for (const [what, t, message] of cases) {
      expect(() => parseServerKeyFile(t, 'k.json'), what).toThrow(message)
    }
  })

  it('keeps fields it does not know (later secrets) through a rotation', () => {
    const file = { ...generateServerKeyFile(1), webPush: { vapidPrivateKey: 'x' } }
    const parsed = parseServerKeyFile(text(file), 'test')
    const { file: rotated } = addTokenKey(parsed, 2)
    expect(rotated.webPush).toEqual({ vapidPrivateKey: 'x' })
    expect(rotated.tokenKeys).toHaveLength(2)
  })

  it('never prints the keys', () => {
    const keys = generateServerKeys()
    const secret = toBase64Url(keys.directorySigningKey)
    expect(JSON.stringify({ keys })).not.toContain(secret)
    expect(JSON.stringify({ keys })).toContain('[ServerKeys]')
    expect(inspect({ keys }, { depth: 10 })).toBe('{ keys: [ServerKeys] }')
  })
})

describe('token key rotation', () => {
  it('a new key signs from when it says; until then the previous one does', () => {
    const start = generateServerKeyFile(0)
    const { file, added } = addTokenKey(start, 10 * HOUR, 11 * HOUR)
    const keys = serverKeysOf(file).tokenKeys
    expect(signingTokenKey(keys, 10 * HOUR + 1).id).toBe(start.tokenKeys[0]!.id)
    expect(signingTokenKey(keys, 11 * HOUR).id).toBe(added.id)
    // A clock before every key: the earliest one signs rather than none.
    expect(signingTokenKey(serverKeysOf(addTokenKey(generateServerKeyFile(5), 6).file).tokenKeys, 1).signsFrom).toBe(5)
  })

  it('drops older keys only once the tokens they signed have expired, and keeps keys due later', () => {
    const start = generateServerKeyFile(0)
    const { file: two, added } = addTokenKey(start, 10 * HOUR)
    expect(() => dropOldTokenKeys(two, 10 * HOUR + HOUR - 1, HOUR)).toThrow(/tokens signed by older keys stay valid until/)
    const { file: three, added: later } = addTokenKey(two, 11 * HOUR, 20 * HOUR)
    const { file: after, dropped } = dropOldTokenKeys(three, 11 * HOUR, HOUR)
    expect(dropped).toEqual([start.tokenKeys[0]!.id])
    expect(after.tokenKeys.map((k) => k.id)).toEqual([added.id, later.id])
    expect(dropOldTokenKeys(after, 12 * HOUR, HOUR).dropped).toEqual([])
  })
})

describe('moving secrets out of the database', () => {
  const legacy = randomLegacySecrets()

  it('moves every stored secret unchanged', () => {
    const file = serverKeyFileFromLegacy(legacy, 7, 'db')
    expect(file).toMatchObject({
      tokenKeys: [{ id: 'legacy', key: legacy['token-secret'], createdAt: 7 }],
      directorySigningKey: legacy['directory-signing-key'],
      directoryVrfKey: legacy['directory-vrf-key'],
      accessLogSigningKey: legacy['access-log-signing-key'],
      accessPseudonymKey: legacy['access-pseudonym-key'],
      adminEnrolmentSecret: legacy['admin-enrolment-secret'],
    })
    expect(parseServerKeyFile(text(file), 'moved')).toEqual(file)
    expect(legacyConflicts(file, legacy)).toEqual([])
  })

  it('creates what was never stored, and refuses a malformed stored key rather than replace it', () => {
    const partial = { 'directory-signing-key': legacy['directory-signing-key'] }
    const file = serverKeyFileFromLegacy(partial, 7, 'db')
    expect(file.directorySigningKey).toBe(legacy['directory-signing-key'])
    expect(parseServerKeyFile(text(file), 'partial').directoryVrfKey).toHaveLength(43)
    expect(() => serverKeyFileFromLegacy({ ...legacy, 'directory-vrf-key': 'short' }, 7, 'the database')).toThrow(/the database: the stored directory-vrf-key is not 32 bytes/)
  })

  it('names the pinned keys that differ from a file, and only those', () => {
    const other = generateServerKeyFile(1)
    expect(legacyConflicts(other, legacy)).toEqual(['directory-signing-key', 'directory-vrf-key', 'access-log-signing-key', 'access-pseudonym-key'])
    const same = { ...serverKeyFileFromLegacy(legacy, 1, 'db'), tokenKeys: other.tokenKeys, adminEnrolmentSecret: other.adminEnrolmentSecret }
    expect(legacyConflicts(same, legacy)).toEqual([])
  })
})

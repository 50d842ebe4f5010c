// Where `candor serve` gets the server's secrets, and the one-time move out of the database.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes, toBase64Url } from '@candor/protocol'
import { createServer, generateServerKeyFile, generateServerKeys, serverKeysOf, type ServerKeyFile } from '@candor/server'
import type { LegacySecrets } from '@candor/ports'
import { randomLegacySecrets } from '@candor/testkit/legacy-secrets'
import { SqliteStore } from '@candor/store-sqlite'
import { createKeyFile, readKeyFile } from './key-file.ts'
import { loadServerKeys } from './server-keys-source.ts'
import { readServeConfig, readServerKeySource, type ServerKeySource } from './serve-config.ts'

let dir: string
let dbPath: string
let keyPath: string
const opened: SqliteStore[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'candor-keys-'))
  dbPath = join(dir, 'candor.db')
  keyPath = join(dir, 'server-keys.json')
})
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close()
  rmSync(dir, { recursive: true, force: true })
})

function open(): SqliteStore {
  const s = SqliteStore.open(dbPath)
  opened.push(s)
  return s
}
const file = (path = keyPath): ServerKeySource => ({ from: 'file', path })
const env = (text: string): ServerKeySource => ({ from: 'env', name: 'CANDOR_SERVER_KEYS', text })
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8)

function plantLegacy(): Required<LegacySecrets> {
  const legacy = randomLegacySecrets()
  const db = new Database(dbPath)
  for (const [k, v] of Object.entries(legacy)) db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(k, v)
  db.close()
  return legacy
}

/** A database that has a key directory already (a server ran on it once). */
async function servedOnce(keys = generateServerKeys()): Promise<void> {
  const s = SqliteStore.open(dbPath)
  const server = await createServer({ store: s, keys, logLevel: 'silent' })
  await server.close()
  await s.close()
}

describe('the key file', () => {
  it('is created on first start, readable by its owner only, and read again on the next', async () => {
    const first = await loadServerKeys(file(), open())
    expect(mode(keyPath)).toBe('600')
    expect(first.notes.join('\n')).toMatch(/Created the server's key file/)
    const again = await loadServerKeys(file(), open())
    expect(again.notes).toEqual([])
    expect(again.keys.directorySigningKey).toEqual(first.keys.directorySigningKey)
    expect(again.keys.tokenKeys).toEqual(first.keys.tokenKeys)
  })

  it('is refused when others may read it, and left as it is', async () => {
    writeFileSync(keyPath, JSON.stringify(generateServerKeyFile(1)))
    chmodSync(keyPath, 0o644)
    const before = readFileSync(keyPath, 'utf8')
    await expect(loadServerKeys(file(), open())).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/may be read or changed by other users \(mode 644\).*chmod 600/) })
    chmodSync(keyPath, 0o640)
    await expect(loadServerKeys(file(), open())).rejects.toThrow(/mode 640/)
    expect(readFileSync(keyPath, 'utf8')).toBe(before)
    chmodSync(keyPath, 0o600)
    expect((await loadServerKeys(file(), open())).keys.directoryVrfKey).toHaveLength(32)
  })

  it('is refused when malformed, naming the file', async () => {
    writeFileSync(keyPath, '{"v":1}', { mode: 0o600 })
    await expect(loadServerKeys(file(), open())).rejects.toThrow(new RegExp(`the key file ${keyPath}: tokenKeys`))
  })

  it('is never made up for a database that already has a key directory', async () => {
    await servedOnce()
    await expect(loadServerKeys(file(), open())).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/no key file at .*already has a key directory/) })
    expect(existsSync(keyPath)).toBe(false)
  })

  it('created by one of two nodes starting at once on a shared path is the one both use', () => {
    const a = generateServerKeyFile(1)
    const b = generateServerKeyFile(2)
    expect(createKeyFile(keyPath, a)).toBe(true)
    expect(createKeyFile(keyPath, b)).toBe(false)
    expect(readKeyFile(keyPath)).toEqual(a)
    expect(mode(keyPath)).toBe('600')
  })
})

describe('keys in the environment', () => {
  it('are used as they are, and no file is written', async () => {
    const f = generateServerKeyFile(1)
    const { keys } = await loadServerKeys(env(JSON.stringify(f)), open())
    expect(keys.directorySigningKey).toEqual(serverKeysOf(f).directorySigningKey)
    expect(existsSync(keyPath)).toBe(false)
    await expect(loadServerKeys(env('{not json'), open())).rejects.toThrow(/CANDOR_SERVER_KEYS: not valid JSON/)
  })

  it('come from CANDOR_SERVER_KEYS or a key file, never both', () => {
    const text = JSON.stringify(generateServerKeyFile(1))
    expect(readServerKeySource({}, { CANDOR_SERVER_KEYS: text })).toEqual({ from: 'env', name: 'CANDOR_SERVER_KEYS', text })
    expect(readServerKeySource({ data: dir }, {})).toEqual({ from: 'file', path: join(dir, 'server-keys.json') })
    expect(readServerKeySource({ 'key-file': '/etc/candor/keys.json' }, { CANDOR_DATA: dir })).toEqual({ from: 'file', path: '/etc/candor/keys.json' })
    expect(() => readServerKeySource({ 'key-file': keyPath }, { CANDOR_SERVER_KEYS: text })).toThrow(/not both/)
    expect(() => readServerKeySource({}, { CANDOR_KEY_FILE: keyPath, CANDOR_SERVER_KEYS: text })).toThrow(/not both/)
    expect(readServeConfig({ data: dir }, {}).keys).toEqual({ from: 'file', path: join(dir, 'server-keys.json') })
  })
})

describe('moving secrets out of an older database', () => {
  const asFile = (f: ServerKeyFile) => ({
    'token-secret': f.tokenKeys[0]!.key,
    'directory-signing-key': f.directorySigningKey,
    'directory-vrf-key': f.directoryVrfKey,
    'access-log-signing-key': f.accessLogSigningKey,
    'access-pseudonym-key': f.accessPseudonymKey,
    'admin-enrolment-secret': f.adminEnrolmentSecret,
  })

  it('writes them to the key file unchanged, then deletes them from the database', async () => {
    await SqliteStore.open(dbPath).close()
    const legacy = plantLegacy()
    const store = open()
    const { notes } = await loadServerKeys(file(), store)
    expect(notes.join('\n')).toMatch(/Moved the server keys out of the database/)
    expect(notes.join('\n')).toMatch(/rotate-token/)
    expect(mode(keyPath)).toBe('600')
    expect(asFile(readKeyFile(keyPath)!)).toEqual(legacy)
    expect(await store.legacySecrets()).toEqual({})
    expect((await loadServerKeys(file(), store)).notes).toEqual([])
  })

  it('finishes a move that stopped after writing the file', async () => {
    await SqliteStore.open(dbPath).close()
    const legacy = plantLegacy()
    const f = serverKeysFile(legacy)
    expect(createKeyFile(keyPath, f)).toBe(true)
    const store = open()
    const { notes } = await loadServerKeys(file(), store)
    expect(notes.join('\n')).toMatch(/Removed the server keys of an older version from the database/)
    expect(await store.legacySecrets()).toEqual({})
  })

  it('refuses to start when the file or the environment holds other pinned keys, and deletes nothing', async () => {
    await SqliteStore.open(dbPath).close()
    const legacy = plantLegacy()
    const other = generateServerKeyFile(1)
    expect(createKeyFile(keyPath, other)).toBe(true)
    const store = open()
    await expect(loadServerKeys(file(), store)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/directory-signing-key.*differ from the key file/) })
    await expect(loadServerKeys(env(JSON.stringify(other)), store)).rejects.toThrow(/differ from CANDOR_SERVER_KEYS/)
    expect(await store.legacySecrets()).toEqual(legacy)
    // The same keys in the environment: the rows go.
    await loadServerKeys(env(JSON.stringify(serverKeysFile(legacy))), store)
    expect(await store.legacySecrets()).toEqual({})
  })
})

function serverKeysFile(legacy: Required<LegacySecrets>): ServerKeyFile {
  return {
    v: 1,
    tokenKeys: [{ id: 'legacy', key: legacy['token-secret'], createdAt: 1 }],
    directorySigningKey: legacy['directory-signing-key'],
    directoryVrfKey: legacy['directory-vrf-key'],
    accessLogSigningKey: legacy['access-log-signing-key'],
    accessPseudonymKey: legacy['access-pseudonym-key'],
    adminEnrolmentSecret: legacy['admin-enrolment-secret'],
  }
}

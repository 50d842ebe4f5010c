// Server secrets that versions before the key file kept in `meta`: the store hands them over
// once, then deletes them so that no byte of them is left in the database file or its WAL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fromBase64Url, newGroupId, newMessageId, randomBytes, toBase64Url, type DeviceId } from '@candor/protocol'
import type { LegacySecrets } from '@candor/ports'
import { randomLegacySecrets } from '@candor/testkit/legacy-secrets'
import { SqliteStore } from './sqlite-store.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'candor-legacy-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const A = 'AAAAAAAAAAAAAAAAAAAAAA' as DeviceId

/** Rows as the old server wrote them: base64url of 32 random bytes under each name. */
function plantLegacy(path: string): Required<LegacySecrets> {
  const legacy = randomLegacySecrets()
  const db = new Database(path)
  const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)')
  for (const [k, v] of Object.entries(legacy)) put.run(k, v)
  db.close()
  return legacy
}

function filesHold(path: string, needle: string | Uint8Array): boolean {
  const b = typeof needle === 'string' ? Buffer.from(needle) : Buffer.from(needle)
  return [path, `${path}-wal`].some((f) => {
    try {
      return readFileSync(f).includes(b)
    } catch {
      return false
    }
  })
}

describe('SqliteStore legacy secrets', () => {
  it('hands over the old rows, then leaves no copy of them in the database file or the WAL', async () => {
    const path = join(dir, 'candor.db')
    await SqliteStore.open(path).close()
    const legacy = plantLegacy(path)
    const store = SqliteStore.open(path)
    // Traffic rewrites the meta page (the queue's seq ceiling lives there), secrets and all.
    const seqs: number[] = []
    for (let i = 0; i < 30; i++) {
      const [r] = await store.appendMessages([{ messageId: newMessageId(), groupId: newGroupId(), sender: A, kind: 0, sentAt: Date.now(), payload: randomBytes(2000), recipients: [A] }])
      seqs.push(r!.deliveries[0]!.seq)
    }
    // Negative control: the search finds every secret before.
    for (const v of Object.values(legacy)) expect(filesHold(path, v)).toBe(true)

    expect(await store.legacySecrets()).toEqual(legacy)
    await store.eraseLegacySecrets()
    expect(await store.legacySecrets()).toEqual({})
    for (const [name, v] of Object.entries(legacy)) {
      expect(filesHold(path, v), `${name} as text`).toBe(false)
      expect(filesHold(path, fromBase64Url(v)!), `${name} as bytes`).toBe(false)
    }

    // The store goes on as before: the seq counter beside them in meta is intact.
    const [next] = await store.appendMessages([{ messageId: newMessageId(), groupId: newGroupId(), sender: A, kind: 0, sentAt: Date.now(), payload: randomBytes(10), recipients: [A] }])
    expect(next!.deliveries[0]!.seq).toBeGreaterThan(Math.max(...seqs))
    await store.close()
    for (const v of Object.values(legacy)) expect(filesHold(path, v)).toBe(false)
  })

  it('hands over only the legacy names, never other meta rows', async () => {
    const path = join(dir, 'partial.db')
    await SqliteStore.open(path).close()
    const db = new Database(path)
    const token = toBase64Url(randomBytes(32))
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)').run('token-secret', token, 'served-public-keys', 'v1 public')
    db.close()
    const store = SqliteStore.open(path)
    expect(await store.legacySecrets()).toEqual({ 'token-secret': token })
    await store.eraseLegacySecrets()
    expect(await store.legacySecrets()).toEqual({})
    expect(await store.getOrCreateMeta('served-public-keys', () => 'other')).toBe('v1 public')
    await store.close()
  })
})

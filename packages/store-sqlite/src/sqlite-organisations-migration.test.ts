// A database from before organisations: its users become members of `default` (open to
// sign-up), and its admin roles become organisation roles of `default`; the operator stays.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { OrgId, UserId } from '@candor/protocol'
import { MIGRATIONS } from './migrations.ts'
import { SqliteStore } from './sqlite-store.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'candor-org-migration-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('the organisations migration', () => {
  it('puts existing users into default and turns admin labels into roles of default', async () => {
    const path = join(dir, 'candor.db')
    const before = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE organisations'))
    expect(before).toBeGreaterThan(0)
    const db = new Database(path)
    for (const m of MIGRATIONS.slice(0, before)) db.exec(m)
    db.pragma(`user_version = ${before}`)
    const user = db.prepare('INSERT INTO users (user_id, created_at) VALUES (?, ?)')
    const admin = db.prepare('INSERT INTO admins (user_id, role, org, granted_by, granted_at) VALUES (?, ?, ?, ?, ?)')
    for (const [u, role] of [['root', 'operator'], ['ada', 'org_admin'], ['hal', 'legal_hold'], ['eve', 'export'], ['sue', 'support'], ['bob', null]] as const) {
      user.run(u, 1000)
      if (role) admin.run(u, role, role === 'operator' ? 'candor-ops' : 'acme', role === 'operator' ? null : 'root', 2000)
    }
    db.close()

    const store = SqliteStore.open(path)
    try {
      expect(await store.getOrganisation('default' as OrgId)).toMatchObject({ id: 'default', name: 'Default', signup: 'open', domains: [] })
      expect(await store.membershipOf('bob' as UserId)).toEqual({ userId: 'bob', org: 'default', guest: false })
      expect((await store.listMembers('default' as OrgId, null, 10)).map((m) => m.userId)).toEqual(['ada', 'bob', 'eve', 'hal', 'root', 'sue'])
      expect((await store.listAdmins()).map((a) => [a.userId, a.role, a.org]).sort()).toEqual([
        ['ada', 'admin', 'default'],
        ['eve', 'compliance_officer', 'default'],
        ['hal', 'compliance_officer', 'default'],
        ['root', 'operator', 'candor-ops'],
        ['sue', 'support', 'default'],
      ])
    } finally {
      await store.close()
    }
  })
})

// A database from before organisations: its users become members of `default` (open to
// sign-up), and its admin roles become organisation roles of `default`; the operator stays.
import { afterAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import type { OrgId, UserId } from '@candor/protocol'
import { dropSchema, freshSchemaName, noDatabase, postgresAvailable, TEST_DATABASE_URL, createSchemaAt } from '@candor/testkit/postgres'
import { MIGRATIONS } from './migrations.ts'
import { PostgresStore } from './postgres-store.ts'

const available = await postgresAvailable()
if (!available) noDatabase('PostgresStore organisations migration')

describe.skipIf(!available)('the organisations migration on PostgreSQL', () => {
  const schema = freshSchemaName()
  afterAll(() => dropSchema(schema))

  it('puts existing users into default and turns admin labels into roles of default', async () => {
    const before = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE organisations'))
    expect(before).toBeGreaterThan(0)
    const sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} })
    try {
      await sql.begin(async (tx) => {
        await createSchemaAt(tx, schema, MIGRATIONS.slice(0, before))
        await tx`INSERT INTO users (user_id, created_at) VALUES ('root', 1000), ('ada', 1000), ('hal', 1000), ('bob', 1000)`
        await tx`INSERT INTO admins (user_id, role, org, granted_by, granted_at) VALUES
          ('root', 'operator', 'candor-ops', NULL, 2000), ('ada', 'org_admin', 'acme', 'root', 2000), ('hal', 'legal_hold', 'acme', 'root', 2000)`
      })
    } finally {
      await sql.end({ timeout: 1 })
    }

    const store = await PostgresStore.open(TEST_DATABASE_URL, { schema })
    try {
      expect(await store.getOrganisation('default' as OrgId)).toMatchObject({ id: 'default', signup: 'open' })
      expect(await store.membershipOf('bob' as UserId)).toEqual({ userId: 'bob', org: 'default', guest: false })
      expect((await store.listMembers('default' as OrgId, null, 10)).map((m) => m.userId)).toEqual(['ada', 'bob', 'hal', 'root'])
      expect((await store.listAdmins()).map((a) => [a.userId, a.role, a.org]).sort()).toEqual([
        ['ada', 'admin', 'default'],
        ['hal', 'compliance_officer', 'default'],
        ['root', 'operator', 'candor-ops'],
      ])
    } finally {
      await store.close()
    }
  })
})

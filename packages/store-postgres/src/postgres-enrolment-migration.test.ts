// A database from before enrolment requests had their own table: its pending devices become
// requests that expire 10 minutes after they were filed, and leave the devices table.
import { afterAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { newDeviceId, randomBytes, type UserId } from '@candor/protocol'
import { dropSchema, freshSchemaName, noDatabase, postgresAvailable, TEST_DATABASE_URL, createSchemaAt } from '@candor/testkit/postgres'
import { MIGRATIONS } from './migrations.ts'
import { PostgresStore } from './postgres-store.ts'

const available = await postgresAvailable()
if (!available) noDatabase('PostgresStore enrolment migration')

describe.skipIf(!available)('the enrolment-requests migration on PostgreSQL', () => {
  const schema = freshSchemaName()
  afterAll(() => dropSchema(schema))

  it('moves pending devices into requests that expire 10 minutes after filing', async () => {
    const before = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE enrolments'))
    expect(before).toBeGreaterThan(0)
    const sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} })
    const [active, pending] = [newDeviceId(), newDeviceId()]
    try {
      // The schema as the version before this one left it, with one pending device.
      await sql.begin(async (tx) => {
        await createSchemaAt(tx, schema, MIGRATIONS.slice(0, before))
        await tx`INSERT INTO users (user_id, created_at) VALUES ('alice', 1000)`
        await tx`INSERT INTO devices (device_id, user_id, name, public_key, status, created_at) VALUES
          (${active}, 'alice', 'laptop', ${Buffer.from(randomBytes(32))}, 'active', 1000),
          (${pending}, 'alice', 'IT support laptop', ${Buffer.from(randomBytes(32))}, 'pending', 5000)`
      })
    } finally {
      await sql.end({ timeout: 1 })
    }

    const store = await PostgresStore.open(TEST_DATABASE_URL, { schema })
    try {
      expect((await store.listDevices('alice' as UserId)).map((d) => d.deviceId)).toEqual([active])
      expect(await store.getEnrolment(pending, 5000)).toMatchObject({ userId: 'alice', name: 'IT support laptop', createdAt: 5000, expiresAt: 605_000 })
      expect(await store.getEnrolment(pending, 605_000)).toBeNull()
    } finally {
      await store.close()
    }
  })
})

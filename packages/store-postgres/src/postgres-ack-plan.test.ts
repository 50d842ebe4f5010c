// The ack statement keeps probing the queue's primary key once the queue has grown past the size
// it had when PostgreSQL settled on the statement's generic plan (ack-pool.ts). A default
// connection, for contrast, keeps the plan it made on the empty queue: hash the arrays and
// scan the whole queue, on every ack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newDeviceId, newGroupId, newMessageId, randomBytes, type DeviceId } from '@candor/protocol'
import { dropSchema, freshSchemaName, noDatabase, postgresAvailable, TEST_DATABASE_URL } from '@candor/testkit/postgres'
import { AckBatcher } from './ack-batcher.ts'
import { openAckPool } from './ack-pool.ts'
import { connect, type Sql } from './connection.ts'
import { PostgresStore } from './postgres-store.ts'

const available = await postgresAvailable()
if (!available) noDatabase('PostgresStore ack plan')

/** The plan `sql`'s one connection runs its prepared ack statement with now. */
async function ackPlan(sql: Sql): Promise<string> {
  const [s] = await sql<{ name: string }[]>`
    SELECT name FROM pg_prepared_statements WHERE statement LIKE '%DELETE FROM queue q USING unnest%' AND statement NOT LIKE '%pg_prepared_statements%'`
  const rows = await sql.unsafe(`EXPLAIN EXECUTE "${s!.name}"('{nobody}'::text[], '{1}'::bigint[])`)
  return rows.map((r) => String(r['QUERY PLAN'])).join('\n')
}

describe.skipIf(!available)('PostgresStore ack plan', () => {
  const schema = freshSchemaName()
  let store: PostgresStore

  beforeAll(async () => {
    store = await PostgresStore.open(TEST_DATABASE_URL, { schema })
  })
  afterAll(async () => {
    await store.close()
    await dropSchema(schema)
  })

  it('probes the queue by key after it grew, where a default connection scans it whole', async () => {
    const ackSql = await openAckPool(TEST_DATABASE_URL, { schema })
    const { sql: plain } = connect(TEST_DATABASE_URL, { schema, max: 1 })
    try {
      await plain`SELECT 1`
      const [ours, theirs] = [new AckBatcher(ackSql), new AckBatcher(plain)]
      const d = newDeviceId()
      // Past the five executions PostgreSQL plans for their parameters, on an empty queue.
      for (let i = 1; i <= 7; i++) {
        expect(await ours.ack(d, [i])).toBe(0)
        expect(await theirs.ack(d, [i])).toBe(0)
      }
      const devices: DeviceId[] = Array.from({ length: 50 }, () => newDeviceId())
      for (let b = 0; b < 40; b++) {
        await store.appendMessages(
          Array.from({ length: 100 }, (_, i) => ({
            messageId: newMessageId(), groupId: newGroupId(), sender: d, kind: 0 as const,
            sentAt: Date.now(), payload: randomBytes(200), recipients: [devices[i % 50]!],
          })),
        )
      }
      // Both still acknowledge correctly…
      expect(await ours.ack(devices[0]!, [1, 2])).toBe(2)
      expect(await theirs.ack(devices[1]!, [1, 2, 3])).toBe(3)
      // …but only one by key.
      const plan = await ackPlan(ackSql)
      expect(plan).toContain('Index Scan using queue_pkey on queue')
      expect(plan).not.toContain('Seq Scan on queue')
      expect(await ackPlan(plain)).toContain('Seq Scan on queue')
    } finally {
      await ackSql.end({ timeout: 1 })
      await plain.end({ timeout: 1 })
    }
  })
})

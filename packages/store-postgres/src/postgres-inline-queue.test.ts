// One-recipient messages live in their queue row (no messages row); shared ones stay in
// messages. What the contract cannot see: the rows PostgreSQL holds, and a queue written
// before the migration that added inline rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { newDeviceId, newGroupId, newMessageId, randomBytes, toBase64Url, type DeviceId } from '@candor/protocol'
import type { NewMessage } from '@candor/ports'
import { dropSchema, freshSchemaName, noDatabase, postgresAvailable, TEST_DATABASE_URL, createSchemaAt } from '@candor/testkit/postgres'
import { MIGRATIONS } from './migrations.ts'
import { PostgresStore } from './postgres-store.ts'

const available = await postgresAvailable()
if (!available) noDatabase('PostgresStore inline queue rows')

const message = (sender: DeviceId, recipients: DeviceId[]): NewMessage => ({
  messageId: newMessageId(),
  groupId: newGroupId(),
  sender,
  kind: 0,
  sentAt: Date.now(),
  payload: randomBytes(330),
  recipients,
})

describe.skipIf(!available)('PostgresStore inline queue rows', () => {
  const schema = freshSchemaName()
  let store: PostgresStore
  let sql: postgres.Sql
  const count = async (table: string): Promise<number> => Number((await sql`SELECT count(*) AS n FROM ${sql(schema)}.${sql(table)}`)[0]!['n'])

  beforeAll(async () => {
    store = await PostgresStore.open(TEST_DATABASE_URL, { schema })
    sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} })
  })
  afterAll(async () => {
    await store.close()
    await sql.end({ timeout: 1 })
    await dropSchema(schema)
  })

  it('stores a one-recipient message in its queue row alone, a shared one once in messages', async () => {
    const [s, a, b] = [newDeviceId(), newDeviceId(), newDeviceId()]
    const solo = message(s, [a])
    const shared = message(s, [a, b])
    const [r1, r2] = await store.appendMessages([solo, shared])
    expect(await count('messages')).toBe(1)
    expect(await count('queue')).toBe(3)
    const rows = await sql`SELECT seq, message IS NULL AS inline, octet_length(payload) AS bytes FROM ${sql(schema)}.queue WHERE device_id = ${a} ORDER BY seq`
    expect(rows.map((r) => [Number(r['seq']), r['inline'], r['bytes']])).toEqual([
      [1, true, 330],
      [2, false, null],
    ])
    const fetched = await store.fetchQueue(a, 0, 10)
    expect(fetched.map((m) => [m.messageId, m.sender, m.groupId, m.sentAt, toBase64Url(m.payload)])).toEqual(
      [solo, shared].map((m) => [m.messageId, m.sender, m.groupId, m.sentAt, toBase64Url(m.payload)]),
    )
    expect(r1!.deliveries).toEqual([{ deviceId: a, seq: 1 }])
    expect(r2!.deliveries).toEqual([
      { deviceId: a, seq: 2 },
      { deviceId: b, seq: 1 },
    ])
    // The inline row's ack takes its message with it; the shared message goes with its last ack.
    expect(await store.ack(a, [1, 2])).toBe(2)
    expect(await count('messages')).toBe(1)
    expect(await store.ack(b, [1])).toBe(1)
    expect(await count('messages')).toBe(0)
    expect(await count('queue')).toBe(0)
  })
})

describe.skipIf(!available)('the inline-queue migration on PostgreSQL', () => {
  const schema = freshSchemaName()
  afterAll(() => dropSchema(schema))

  it('keeps serving and releasing queue rows written before it', async () => {
    const before = MIGRATIONS.findIndex((m) => m.includes('ADD CONSTRAINT queue_inline_or_shared'))
    expect(before).toBeGreaterThan(0)
    const [s, a] = [newDeviceId(), newDeviceId()]
    const payload = randomBytes(40)
    const sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} })
    try {
      // The schema as the version before this one left it, with a one-recipient message queued.
      await sql.begin(async (tx) => {
        await createSchemaAt(tx, schema, MIGRATIONS.slice(0, before))
        const [m] = await tx`INSERT INTO messages (sender, message_id, group_id, kind, sent_at, payload, remaining)
          VALUES (${s}, 'old-message', 'old-group', 0, 1000, ${Buffer.from(payload)}, 1) RETURNING id`
        await tx`INSERT INTO device_seq (device_id, last_seq) VALUES (${a}, 1)`
        await tx`INSERT INTO queue (device_id, seq, message) VALUES (${a}, 1, ${m!['id']})`
      })
    } finally {
      await sql.end({ timeout: 1 })
    }

    const store = await PostgresStore.open(TEST_DATABASE_URL, { schema })
    try {
      const [r] = await store.appendMessages([message(s, [a])])
      expect(r!.deliveries).toEqual([{ deviceId: a, seq: 2 }])
      const fetched = await store.fetchQueue(a, 0, 10)
      expect(fetched.map((m) => [m.seq, m.messageId, m.sentAt])).toEqual([
        [1, 'old-message', 1000],
        [2, expect.any(String), expect.any(Number)],
      ])
      expect(toBase64Url(fetched[0]!.payload)).toBe(toBase64Url(payload))
      expect(await store.ack(a, [1, 2])).toBe(2)
      expect(await store.pendingCount(a)).toBe(0)
    } finally {
      await store.close()
    }
  })
})

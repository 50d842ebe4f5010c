// The hot path's connections run the append statement with its generic plan, made once per
// connection (hot-path-pool.ts); on a default connection PostgreSQL plans it again on every
// execution. Read from pg_prepared_statements in the session that ran it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newDeviceId, newGroupId, newMessageId, randomBytes, type DeviceId } from '@candor/protocol'
import type { NewMessage } from '@candor/ports'
import { dropSchema, freshSchemaName, noDatabase, postgresAvailable, TEST_DATABASE_URL } from '@candor/testkit/postgres'
import { connect, type Sql } from './connection.ts'
import { openHotPath } from './hot-path-pool.ts'
import { appendIn } from './message-writes.ts'
import { PostgresStore } from './postgres-store.ts'

const available = await postgresAvailable()
if (!available) noDatabase('PostgresStore hot path plans')

const message = (sender: DeviceId, recipients: DeviceId[]): NewMessage => ({
  messageId: newMessageId(),
  groupId: newGroupId(),
  sender,
  kind: 0,
  sentAt: Date.now(),
  payload: randomBytes(40),
  recipients,
})

/** Appends batches of 1, 3 and 60 messages in one session; the append statement's plan counts there. */
async function plansOfAppends(sql: Sql, sender: DeviceId, to: DeviceId[]): Promise<{ generic: number; custom: number; seqs: number[] }> {
  return (await sql.begin(async (tx) => {
    const seqs: number[] = []
    for (const n of [1, 3, 60]) {
      const results = await appendIn(tx, Array.from({ length: n }, (_, i) => message(sender, i % 2 ? to : [to[0]!])))
      for (const r of results) for (const d of r.deliveries) if (d.deviceId === to[0]) seqs.push(d.seq)
    }
    const [p] = await tx<{ generic: number; custom: number }[]>`
      SELECT generic_plans::integer AS generic, custom_plans::integer AS custom FROM pg_prepared_statements
      WHERE statement LIKE '%INSERT INTO recent_sends%'`
    return { ...p!, seqs }
  })) as { generic: number; custom: number; seqs: number[] }
}

describe.skipIf(!available)('PostgresStore hot path plans', () => {
  const schema = freshSchemaName()
  let store: PostgresStore

  beforeAll(async () => {
    store = await PostgresStore.open(TEST_DATABASE_URL, { schema })
  })
  afterAll(async () => {
    await store.close()
    await dropSchema(schema)
  })

  it('plans the append statement once per hot-path connection, where a default one plans it every time', async () => {
    const [s, a, b] = [newDeviceId(), newDeviceId(), newDeviceId()]
    const all = Array.from({ length: 64 }, (_, i) => i + 1)

    const hot = openHotPath(TEST_DATABASE_URL, { schema })
    try {
      const r = await plansOfAppends(hot, s, [a, b])
      expect(r).toEqual({ generic: 3, custom: 0, seqs: all })
    } finally {
      await hot.end({ timeout: 1 })
    }

    const { sql } = connect(TEST_DATABASE_URL, { schema, max: 1 })
    try {
      const r = await plansOfAppends(sql, s, [a, b])
      expect(r).toEqual({ generic: 0, custom: 3, seqs: all.map((x) => x + 64) })
    } finally {
      await sql.end({ timeout: 1 })
    }
    // Both stored the same: a's queue holds all 128, in order.
    expect((await store.fetchQueue(a, 0, 200)).map((m) => m.seq)).toEqual([...all, ...all.map((x) => x + 64)])
  })
})

// A node's acknowledgements are one statement in flight at a time (ack-batcher.ts): acks made in
// later turns while one statement runs wait and go together in the next. Shown by holding the
// queue rows' locks in a test transaction (every ack statement that starts waits on it) and by
// counting the statements the driver sends (its debug hook), on a pool that could run several.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { newDeviceId, newGroupId, newMessageId, randomBytes, type DeviceId } from '@candor/protocol'
import type { NewMessage } from '@candor/ports'
import { dropSchema, freshSchemaName, noDatabase, postgresAvailable, TEST_DATABASE_URL } from '@candor/testkit/postgres'
import { AckBatcher } from './ack-batcher.ts'
import type { Sql } from './connection.ts'
import { PostgresStore } from './postgres-store.ts'

const available = await postgresAvailable()
if (!available) noDatabase('PostgresStore ack statements in flight')

const message = (sender: DeviceId, recipient: DeviceId): NewMessage => ({
  messageId: newMessageId(),
  groupId: newGroupId(),
  sender,
  kind: 0,
  sentAt: Date.now(),
  payload: randomBytes(40),
  recipients: [recipient],
})

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r))
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe.skipIf(!available)('PostgresStore ack statements in flight', () => {
  const schema = freshSchemaName()
  let store: PostgresStore
  let sql: postgres.Sql
  let pool: Sql
  let statements = 0

  beforeAll(async () => {
    store = await PostgresStore.open(TEST_DATABASE_URL, { schema })
    sql = postgres(TEST_DATABASE_URL, { max: 2, onnotice: () => {} })
    const int8 = { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) }
    pool = postgres(TEST_DATABASE_URL, {
      max: 4, types: { int8 }, onnotice: () => {}, connection: { search_path: schema },
      debug: (_c, q) => void (q.includes('DELETE FROM queue') && statements++),
    })
    await pool`SELECT 1`
  })
  afterAll(async () => {
    await store.close()
    await sql.end({ timeout: 1 })
    await pool.end({ timeout: 1 })
    await dropSchema(schema)
  })

  it('sends acks of later turns in one statement after the one in flight, not one each', async () => {
    const [s, a] = [newDeviceId(), newDeviceId()]
    await store.appendMessages([1, 2, 3, 4].map(() => message(s, a)))
    const acks = new AckBatcher(pool)

    let release!: () => void
    let locked!: (xid: string) => void
    const xidP = new Promise<string>((r) => (locked = r))
    // Holds every queue row of `a` locked until released: each ack statement touching one waits.
    const holder = sql.begin(async (tx) => {
      await tx`SELECT 1 FROM ${tx(schema)}.queue WHERE device_id = ${a} FOR UPDATE`
      const [x] = await tx<{ xid: string }[]>`SELECT pg_current_xact_id()::text AS xid`
      locked(x!.xid)
      await new Promise<void>((r) => (release = r))
    })
    const xid = await xidP
    const waiting = async (): Promise<number> =>
      Number((await sql`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'transactionid' AND transactionid::text = ${xid} AND NOT granted`)[0]!['n'])

    try {
      const first = acks.ack(a, [1])
      for (let i = 0; i < 100 && (await waiting()) === 0; i++) await sleep(20)
      expect(await waiting()).toBe(1)
      // Two more turns' acks while the first statement waits.
      const second = acks.ack(a, [2])
      await nextTurn()
      await nextTurn()
      const third = acks.ack(a, [3])
      await nextTurn()
      await sleep(300)
      // Still one statement waiting: the others did not start.
      expect(await waiting()).toBe(1)
      release()
      await holder
      expect(await Promise.all([first, second, third])).toEqual([1, 1, 1])
      // The first, then the two later turns' together.
      expect(statements).toBe(2)
    } finally {
      release()
      await holder
    }
    expect(await store.pendingCount(a)).toBe(1)
    expect((await store.fetchQueue(a, 0, 10)).map((m) => m.seq)).toEqual([4])
  })
})

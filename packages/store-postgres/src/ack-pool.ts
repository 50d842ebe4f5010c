// The connection a node's acknowledgements run on (ack-batcher.ts), apart from the main pool.
// The ack statement finds each row by key: queue rows by (device_id, seq), messages by id. Being
// a prepared statement, PostgreSQL plans it for its parameters five times, then keeps a generic
// plan for the life of the connection, costed for ten array elements and the tables as they were
// then. Made while the queue is small (a fresh database, a quiet hour), that plan hashes the
// arrays and scans the whole queue on every ack, and goes on doing so as the queue grows (until
// the table is next analysed; never, without autovacuum). Here joins are nested loops and tables
// are not scanned whole, so the only plan is a primary-key probe per named row, whatever the
// sizes were when it was made. No other statement runs on this connection.
import { connect, type ConnectOptions, type Sql } from './connection.ts'

/** Only nested loops over index probes: see above. */
export const ACK_PLANNER_SETTINGS = { enable_seqscan: 'off', enable_hashjoin: 'off', enable_mergejoin: 'off' } as const

/**
 * One connection: one ack statement is in flight at a time (ack-batcher.ts). Opened with one
 * query: postgres.js learns the array types on a pool's first connection, and an array sent by
 * the query that opens it goes out unwrapped ("malformed array literal").
 */
export async function openAckPool(url: string, opts: ConnectOptions): Promise<Sql> {
  const { sql } = connect(url, { ...opts, max: 1 }, ACK_PLANNER_SETTINGS)
  try {
    await sql`SELECT 1`
  } catch (e) {
    await sql.end({ timeout: 1 })
    throw e
  }
  return sql
}

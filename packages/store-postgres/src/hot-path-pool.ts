// The connections that store a turn's messages (the delivery hot path), apart from the store's
// main pool. appendIn sends one statement per batch whose plan never depends on the values: it
// reads no table (its CTEs join unnest arrays with each other, its writes reach their rows
// through the unique indexes ON CONFLICT names). PostgreSQL would still plan it afresh on every
// execution, as with arrays in its parameters a custom plan always looks cheaper than the
// generic one, and planning a dozen CTEs costs about as much as storing a small batch. These
// connections run every prepared statement with its generic plan, made once per connection.
// Statements whose plan should follow the tables (a join to a table that may be small or large)
// stay on the main pool.
import { connect, type ConnectOptions, type Sql } from './connection.ts'

/**
 * Per node: the delivery service stores one batch at a time; a second connection leaves room
 * for another caller without queueing behind it.
 */
export const HOT_PATH_CONNECTIONS = 2

export function openHotPath(url: string, opts: ConnectOptions): Sql {
  return connect(url, { ...opts, max: HOT_PATH_CONNECTIONS, genericPlans: true }).sql
}

// Truncating the WAL after a delete that must leave no trace in the files (Store.purgeDeleted).
import type Database from 'better-sqlite3'

/** How long truncateWal() keeps trying to truncate the WAL. */
const PURGE_TIMEOUT_MS = 10_000

/**
 * Copies the WAL into the database file and truncates it, so no older page image of a deleted
 * row survives there. The checkpoint worker holds SQLite's checkpoint lock during each of its
 * runs, and a truncating checkpoint asked for meanwhile is refused at once (the busy handler is
 * never called for that lock): it is tried again until it went through, or this throws.
 */
export async function truncateWal(db: Database.Database): Promise<void> {
  const deadline = Date.now() + PURGE_TIMEOUT_MS
  for (;;) {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>
    if (!result || result.busy === 0) return
    if (Date.now() >= deadline) throw new Error(`could not truncate the WAL within ${PURGE_TIMEOUT_MS} ms: the database stayed busy`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

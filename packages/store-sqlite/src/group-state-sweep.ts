// Group state nobody can need any more, deleted on a schedule (docs/protocol.md §5.10): the
// GroupInfo and accepted-commit records of groups a reset replaced long enough ago, the commit
// records of groups nobody is in, and commit records far behind a live group's epoch. Found
// group by group (an index seek each into group_commits), never by scanning the records: a
// scan passes every kept record again on each call.
import type Database from 'better-sqlite3'
import type { GroupStateSweep, GroupStateSwept } from '@candor/ports'

/** A group reset onto a new one before the cut-off, or with no member left: none of its commit records is needed. */
const GONE = `(EXISTS (SELECT 1 FROM group_resets r WHERE r.previous_group = g.group_id AND r.reset_at < @before)
  OR NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.group_id))`

export function sweepGroupState(db: Database.Database, o: GroupStateSweep): GroupStateSwept {
  const p = { before: o.supersededBefore, keep: o.keepEpochs, limit: o.limit }
  return db.transaction((): GroupStateSwept => {
    const groupInfos = db
      .prepare(
        `UPDATE groups SET group_info = NULL WHERE group_id IN (
           SELECT g.group_id FROM groups g
           WHERE g.group_info IS NOT NULL AND EXISTS (SELECT 1 FROM group_resets r WHERE r.previous_group = g.group_id AND r.reset_at < @before)
           LIMIT @limit)`,
      )
      .run(p).changes
    const groups = db
      .prepare(
        `SELECT g.group_id AS id, CASE WHEN ${GONE} THEN NULL ELSE g.epoch - @keep END AS below FROM groups g
         WHERE EXISTS (SELECT 1 FROM group_commits c WHERE c.group_id = g.group_id AND c.epoch < g.epoch - @keep)
            OR (${GONE} AND EXISTS (SELECT 1 FROM group_commits c WHERE c.group_id = g.group_id))
         LIMIT @limit`,
      )
      .all(p) as Array<{ id: string; below: number | null }>
    const all = db.prepare('DELETE FROM group_commits WHERE group_id = ?')
    const older = db.prepare('DELETE FROM group_commits WHERE group_id = ? AND epoch < ?')
    let commits = 0
    for (const g of groups) commits += (g.below === null ? all.run(g.id) : older.run(g.id, g.below)).changes
    return { groupInfos, commits }
  })()
}

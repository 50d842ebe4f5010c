// Group state nobody can need any more, deleted on a schedule (docs/protocol.md §5.9): the
// GroupInfo and accepted-commit records of groups a reset replaced long enough ago, the commit
// records of groups nobody is in, and commit records far behind a live group's epoch.
import type Database from 'better-sqlite3'
import type { GroupStateSweep, GroupStateSwept } from '@candor/ports'

/** A group reset onto a new one before the cut-off. */
const SUPERSEDED = 'EXISTS (SELECT 1 FROM group_resets r WHERE r.previous_group = g.group_id AND r.reset_at < @before)'
const MEMBERLESS = 'NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.group_id)'

export function sweepGroupState(db: Database.Database, o: GroupStateSweep): GroupStateSwept {
  const p = { before: o.supersededBefore, keep: o.keepEpochs, limit: o.limit }
  return db.transaction((): GroupStateSwept => {
    const groupInfos = db
      .prepare(`UPDATE groups SET group_info = NULL WHERE group_id IN (SELECT g.group_id FROM groups g WHERE g.group_info IS NOT NULL AND ${SUPERSEDED} LIMIT @limit)`)
      .run(p).changes
    const commits = db
      .prepare(
        `DELETE FROM group_commits WHERE (group_id, epoch) IN (
           SELECT c.group_id, c.epoch FROM group_commits c JOIN groups g ON g.group_id = c.group_id
           WHERE c.epoch < g.epoch - @keep OR ${SUPERSEDED} OR ${MEMBERLESS} LIMIT @limit)`,
      )
      .run(p).changes
    return { groupInfos, commits }
  })()
}

// Group state nobody can need any more, deleted on a schedule (docs/protocol.md §5.10): the
// GroupInfo and accepted-commit records of groups a reset replaced long enough ago, the commit
// records of groups nobody is in, and commit records far behind a live group's epoch. Found
// group by group (an index seek each into group_commits), never by scanning the records: a
// scan passes every kept record again on each call.
import type { GroupStateSweep, GroupStateSwept } from '@candor/ports'
import { transaction, type Sql } from './connection.ts'

/** A group reset onto a new one before the cut-off ($1), or with no member left: none of its commit records is needed. */
const GONE = `(EXISTS (SELECT 1 FROM group_resets r WHERE r.previous_group = g.group_id AND r.reset_at < $1)
  OR NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.group_id))`

export async function sweepGroupState(sql: Sql, o: GroupStateSweep): Promise<GroupStateSwept> {
  return transaction(sql, async (tx) => {
    const infos = await tx`
      UPDATE groups SET group_info = NULL WHERE group_id IN (
        SELECT g.group_id FROM groups g
        WHERE g.group_info IS NOT NULL
          AND EXISTS (SELECT 1 FROM group_resets r WHERE r.previous_group = g.group_id AND r.reset_at < ${o.supersededBefore})
        LIMIT ${o.limit})`
    const deleted = await tx.unsafe(
      `WITH picked AS (
         SELECT g.group_id, CASE WHEN ${GONE} THEN NULL ELSE g.epoch - $2 END AS below FROM groups g
         WHERE EXISTS (SELECT 1 FROM group_commits c WHERE c.group_id = g.group_id AND c.epoch < g.epoch - $2)
            OR (${GONE} AND EXISTS (SELECT 1 FROM group_commits c WHERE c.group_id = g.group_id))
         LIMIT $3)
       DELETE FROM group_commits c USING picked p
       WHERE c.group_id = p.group_id AND (p.below IS NULL OR c.epoch < p.below)`,
      [o.supersededBefore, o.keepEpochs, o.limit],
    )
    return { groupInfos: infos.count, commits: deleted.count }
  })
}

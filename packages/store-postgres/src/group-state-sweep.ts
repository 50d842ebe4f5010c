// Group state nobody can need any more, deleted on a schedule (docs/protocol.md §5.9): the
// GroupInfo and accepted-commit records of groups a reset replaced long enough ago, the commit
// records of groups nobody is in, and commit records far behind a live group's epoch.
import type { GroupStateSweep, GroupStateSwept } from '@candor/ports'
import { transaction, type Sql } from './connection.ts'

export async function sweepGroupState(sql: Sql, o: GroupStateSweep): Promise<GroupStateSwept> {
  return transaction(sql, async (tx) => {
    const infos = await tx`
      UPDATE groups SET group_info = NULL WHERE group_id IN (
        SELECT g.group_id FROM groups g
        WHERE g.group_info IS NOT NULL
          AND EXISTS (SELECT 1 FROM group_resets r WHERE r.previous_group = g.group_id AND r.reset_at < ${o.supersededBefore})
        LIMIT ${o.limit})`
    const commits = await tx`
      DELETE FROM group_commits WHERE (group_id, epoch) IN (
        SELECT c.group_id, c.epoch FROM group_commits c JOIN groups g ON g.group_id = c.group_id
        WHERE c.epoch < g.epoch - ${o.keepEpochs}
          OR EXISTS (SELECT 1 FROM group_resets r WHERE r.previous_group = g.group_id AND r.reset_at < ${o.supersededBefore})
          OR NOT EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.group_id)
        LIMIT ${o.limit})`
    return { groupInfos: infos.count, commits: commits.count }
  })
}

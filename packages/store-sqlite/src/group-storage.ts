// Groups on SQLite: each group's epoch, members and latest GroupInfo, and the commit that took
// each epoch. A commit is accepted in the queue's transaction, with the deliveries of the
// commit to the members and of the welcome to the devices it adds.
import type Database from 'better-sqlite3'
import { CandorError, type DeviceId, type GroupId, type MessageId } from '@candor/protocol'
import type { CommitInput, CommitResult, GroupRecord } from '@candor/ports'
import type { SqliteQueue } from './queue-storage.ts'

export class SqliteGroups {
  readonly #db: Database.Database
  readonly #queue: SqliteQueue
  readonly #s

  constructor(db: Database.Database, queue: SqliteQueue) {
    this.#db = db
    this.#queue = queue
    const p = (sql: string) => db.prepare(sql)
    this.#s = {
      insertGroup: p('INSERT OR IGNORE INTO groups (group_id, epoch, created_at, group_info) VALUES (?, 0, ?, ?)'),
      groupInfo: p('SELECT group_info FROM groups WHERE group_id = ?').pluck(),
      setGroupInfo: p('UPDATE groups SET group_info = ? WHERE group_id = ?'),
      getEpoch: p('SELECT epoch FROM groups WHERE group_id = ?').pluck(),
      setEpoch: p('UPDATE groups SET epoch = ? WHERE group_id = ?'),
      recordCommit: p('INSERT INTO group_commits (group_id, epoch, message_id) VALUES (?, ?, ?)'),
      acceptedCommit: p('SELECT message_id FROM group_commits WHERE group_id = ? AND epoch = ?').pluck(),
      members: p('SELECT device_id FROM group_members WHERE group_id = ? ORDER BY device_id').pluck(),
      addMember: p('INSERT OR IGNORE INTO group_members (group_id, device_id) VALUES (?, ?)'),
      removeMember: p('DELETE FROM group_members WHERE group_id = ? AND device_id = ?'),
      groupsOf: p('SELECT group_id FROM group_members WHERE device_id = ? ORDER BY group_id').pluck(),
    }
  }

  create(groupId: GroupId, creator: DeviceId, createdAt: number, groupInfo?: Uint8Array): boolean {
    return this.#db.transaction(() => {
      if (this.#s.insertGroup.run(groupId, createdAt, groupInfo ?? null).changes !== 1) return false
      this.#s.addMember.run(groupId, creator)
      return true
    })()
  }

  get(groupId: GroupId): GroupRecord | null {
    const epoch = this.#s.getEpoch.get(groupId) as number | undefined
    if (epoch === undefined) return null
    return { groupId, epoch, members: this.#s.members.all(groupId) as DeviceId[] }
  }

  groupInfo(groupId: GroupId): Uint8Array | null {
    const b = this.#s.groupInfo.get(groupId) as Buffer | null | undefined
    return b ? new Uint8Array(b) : null
  }

  list(deviceId: DeviceId): GroupRecord[] {
    const ids = this.#s.groupsOf.all(deviceId) as GroupId[]
    return ids.map((g) => this.get(g)).filter((g): g is GroupRecord => g !== null)
  }

  removeMember(groupId: GroupId, deviceId: DeviceId): void {
    this.#s.removeMember.run(groupId, deviceId)
  }

  acceptCommit(c: CommitInput): CommitResult {
    return this.#queue.transaction((): CommitResult => {
      const group = this.get(c.groupId)
      if (!group) throw new CandorError('unknown_group', 'no such group')
      if (group.epoch !== c.epoch) return { accepted: false, epoch: group.epoch }
      const epoch = group.epoch + 1
      this.#s.setEpoch.run(epoch, c.groupId)
      this.#s.setGroupInfo.run(c.groupInfo, c.groupId)
      this.#s.recordCommit.run(c.groupId, c.epoch, c.messageId)
      for (const d of c.removed) this.#s.removeMember.run(c.groupId, d)
      for (const d of c.added) this.#s.addMember.run(c.groupId, d)
      const added = new Set(c.added)
      const commitTo = group.members.filter((d) => d !== c.sender && !added.has(d))
      const deliveries = this.#queue.store({
        messageId: c.messageId,
        groupId: c.groupId,
        sender: c.sender,
        kind: 1,
        sentAt: c.sentAt,
        payload: c.commit,
        recipients: commitTo,
      }).deliveries
      if (c.welcome && c.added.length > 0) {
        // The welcome shares the commit's id; (sender, id, kind) keeps them apart.
        deliveries.push(
          ...this.#queue.store({
            messageId: c.messageId,
            groupId: c.groupId,
            sender: c.sender,
            kind: 2,
            sentAt: c.sentAt,
            payload: c.welcome,
            recipients: c.added,
          }).deliveries,
        )
      }
      return { accepted: true, epoch, sentAt: c.sentAt, deliveries }
    })
  }

  acceptedCommit(groupId: GroupId, epoch: number): MessageId | null {
    return (this.#s.acceptedCommit.get(groupId, epoch) as MessageId | undefined) ?? null
  }
}

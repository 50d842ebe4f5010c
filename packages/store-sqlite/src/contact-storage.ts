// Consent to be contacted on SQLite (ContactStorage of @candor/ports): contacts, blocks, each
// organisation's policy, contact requests and the deliveries they hold. Releasing held deliveries
// queues them through the queue's own transaction, so their seqs are handed out as any others.
import type Database from 'better-sqlite3'
import type { DeviceId, GroupId, MessageId, MessageKind, OrgId, UserId } from '@candor/protocol'
import type { BlockRecord, ContactRequestRecord, ContactStorage, HoldAllResult, HoldInput, HoldLimits, HoldResult, ReleasedMessage, RequestState } from '@candor/ports'
import type { SqliteQueue } from './queue-storage.ts'

interface RequestRow {
  request_id: string
  recipient: string
  sender: string
  sender_device: string
  group_id: string
  devices: string
  state: RequestState
  created_at: number
}
interface HoldRow {
  device_id: string
  message_id: string
  group_id: string
  sender: string
  kind: number
  sent_at: number
  payload: Uint8Array
}

const HELD = 'SELECT COUNT(*) FROM (SELECT DISTINCT h.request_id, h.message_id, h.kind FROM request_holds h JOIN contact_requests r ON r.request_id = h.request_id'

/** A hold of holdAll over a quota: thrown to roll the transaction back. */
class OverQuota extends Error {
  constructor(
    readonly recipient: UserId,
    readonly reason: 'quota_request' | 'quota_sender' | 'quota_recipient',
  ) {
    super(reason)
  }
}

export class SqliteContacts implements ContactStorage {
  readonly #db: Database.Database
  readonly #queue: SqliteQueue

  constructor(db: Database.Database, queue: SqliteQueue) {
    this.#db = db
    this.#queue = queue
  }

  #heldOf(requestId: string, welcomes: boolean): number {
    return this.#db.prepare(`${HELD} WHERE h.request_id = ?${welcomes ? '' : ' AND h.kind <> 2'})`).pluck().get(requestId) as number
  }

  #toRecord(r: RequestRow): ContactRequestRecord {
    return {
      requestId: r.request_id,
      recipient: r.recipient as UserId,
      sender: r.sender as UserId,
      senderDevice: r.sender_device as DeviceId,
      groupId: r.group_id as GroupId,
      devices: JSON.parse(r.devices) as DeviceId[],
      state: r.state,
      createdAt: r.created_at,
      held: this.#heldOf(r.request_id, true),
    }
  }

  #row(requestId: string): RequestRow | undefined {
    return this.#db.prepare('SELECT * FROM contact_requests WHERE request_id = ?').get(requestId) as RequestRow | undefined
  }

  async isContact(user: UserId, contact: UserId): Promise<boolean> {
    return this.#db.prepare('SELECT 1 FROM contacts WHERE user_id = ? AND contact_id = ?').get(user, contact) !== undefined
  }
  async addContact(user: UserId, contact: UserId, at: number): Promise<boolean> {
    return this.#db.prepare('INSERT OR IGNORE INTO contacts (user_id, contact_id, added_at) VALUES (?, ?, ?)').run(user, contact, at).changes === 1
  }

  async block(user: UserId, blocked: UserId, at: number): Promise<boolean> {
    return this.#db.prepare('INSERT OR IGNORE INTO blocks (user_id, blocked_id, blocked_at) VALUES (?, ?, ?)').run(user, blocked, at).changes === 1
  }
  async unblock(user: UserId, blocked: UserId): Promise<boolean> {
    return this.#db.prepare('DELETE FROM blocks WHERE user_id = ? AND blocked_id = ?').run(user, blocked).changes === 1
  }
  async listBlocks(user: UserId): Promise<BlockRecord[]> {
    const rows = this.#db.prepare('SELECT blocked_id, blocked_at FROM blocks WHERE user_id = ? ORDER BY blocked_at, blocked_id').all(user) as Array<{ blocked_id: string; blocked_at: number }>
    return rows.map((r) => ({ userId: r.blocked_id as UserId, at: r.blocked_at }))
  }
  async isBlocked(user: UserId, blocked: UserId): Promise<boolean> {
    return this.#db.prepare('SELECT 1 FROM blocks WHERE user_id = ? AND blocked_id = ?').get(user, blocked) !== undefined
  }
  async blockingDevices(blocked: UserId): Promise<DeviceId[]> {
    return this.#db.prepare('SELECT d.device_id FROM blocks b JOIN devices d ON d.user_id = b.user_id WHERE b.blocked_id = ? ORDER BY d.device_id').pluck().all(blocked) as DeviceId[]
  }

  async requestsInsideOrg(org: OrgId): Promise<boolean> {
    return this.#db.prepare('SELECT requests_inside FROM org_contact_policy WHERE org_id = ?').pluck().get(org) === 1
  }
  async setRequestsInsideOrg(org: OrgId, on: boolean): Promise<boolean> {
    return this.#db.transaction(() => {
      if (this.#db.prepare('SELECT 1 FROM organisations WHERE org_id = ?').get(org) === undefined) return false
      this.#db.prepare('INSERT INTO org_contact_policy (org_id, requests_inside) VALUES (?, ?) ON CONFLICT (org_id) DO UPDATE SET requests_inside = excluded.requests_inside').run(org, on ? 1 : 0)
      return true
    })()
  }

  async hold(h: HoldInput, limits: HoldLimits): Promise<HoldResult> {
    return this.#db.transaction(() => this.#holdOne(h, limits))()
  }

  async holdAll(holds: readonly HoldInput[], limits: HoldLimits): Promise<HoldAllResult> {
    try {
      return this.#db.transaction((): HoldAllResult => {
        const results: HoldResult[] = []
        for (const h of holds) {
          const r = this.#holdOne(h, limits)
          // Thrown: the transaction is rolled back, so what was held for the others goes too.
          if (!r.held && r.reason.startsWith('quota_')) throw new OverQuota(h.recipient, r.reason as OverQuota['reason'])
          results.push(r)
        }
        return { held: true, results }
      })()
    } catch (e) {
      if (e instanceof OverQuota) return { held: false, recipient: e.recipient, reason: e.reason }
      throw e
    }
  }

  /** One hold, inside the caller's transaction. */
  #holdOne(h: HoldInput, limits: HoldLimits): HoldResult {
    const req = this.#db.prepare('SELECT * FROM contact_requests WHERE group_id = ? AND recipient = ?').get(h.groupId, h.recipient) as RequestRow | undefined
    if (!req && !h.open) return { held: false, reason: 'none' }
    if (req && req.state !== 'pending') return { held: false, reason: req.state }
    if (req && h.message.kind !== 2 && this.#heldOf(req.request_id, false) >= limits.perRequest) return { held: false, reason: 'quota_request' }
    const sender = req?.sender ?? h.open!.sender
    if ((this.#db.prepare(`${HELD} WHERE r.sender = ? AND r.state = 'pending')`).pluck().get(sender) as number) >= limits.perSender) return { held: false, reason: 'quota_sender' }
    if ((this.#db.prepare(`${HELD} WHERE r.recipient = ? AND r.state = 'pending')`).pluck().get(h.recipient) as number) >= limits.perRecipient) return { held: false, reason: 'quota_recipient' }
    let requestId: string
    if (!req) {
      const o = h.open!
      requestId = o.requestId
      this.#db
        .prepare("INSERT INTO contact_requests (request_id, recipient, sender, sender_device, group_id, devices, state, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)")
        .run(requestId, h.recipient, o.sender, o.senderDevice, h.groupId, JSON.stringify([...new Set(h.devices)]), o.createdAt)
    } else {
      requestId = req.request_id
      const devices = [...new Set([...(JSON.parse(req.devices) as string[]), ...h.devices])]
      this.#db.prepare('UPDATE contact_requests SET devices = ? WHERE request_id = ?').run(JSON.stringify(devices), requestId)
    }
    const m = h.message
    const ins = this.#db.prepare('INSERT INTO request_holds (request_id, device_id, message_id, group_id, sender, kind, sent_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    for (const d of new Set(h.devices)) ins.run(requestId, d, m.messageId, m.groupId, m.sender, m.kind, m.sentAt, m.payload)
    return { held: true, requestId, created: !req }
  }

  async requestIn(groupId: GroupId, recipient: UserId): Promise<ContactRequestRecord | null> {
    const r = this.#db.prepare('SELECT * FROM contact_requests WHERE group_id = ? AND recipient = ?').get(groupId, recipient) as RequestRow | undefined
    return r ? this.#toRecord(r) : null
  }
  async pendingIn(groupId: GroupId): Promise<ContactRequestRecord[]> {
    const rows = this.#db.prepare("SELECT * FROM contact_requests WHERE group_id = ? AND state = 'pending' ORDER BY created_at, request_id").all(groupId) as RequestRow[]
    return rows.map((r) => this.#toRecord(r))
  }
  async getRequest(requestId: string): Promise<ContactRequestRecord | null> {
    const r = this.#row(requestId)
    return r ? this.#toRecord(r) : null
  }
  async listRequests(recipient: UserId): Promise<ContactRequestRecord[]> {
    const rows = this.#db.prepare("SELECT * FROM contact_requests WHERE recipient = ? AND state = 'pending' ORDER BY created_at, request_id").all(recipient) as RequestRow[]
    return rows.map((r) => this.#toRecord(r))
  }

  async abandonRequest(requestId: string): Promise<boolean> {
    return this.#db.transaction(() => {
      if (this.#db.prepare("DELETE FROM contact_requests WHERE request_id = ? AND state = 'pending'").run(requestId).changes === 0) return false
      this.#db.prepare('DELETE FROM request_holds WHERE request_id = ?').run(requestId)
      return true
    })()
  }

  async acceptRequest(requestId: string, recipient: UserId, at: number): Promise<{ request: ContactRequestRecord; released: ReleasedMessage[] } | null> {
    return this.#queue.transaction(() => {
      const r = this.#row(requestId)
      if (!r || r.recipient !== recipient || r.state !== 'pending') return null
      const request = this.#toRecord(r)
      this.#db.prepare("UPDATE contact_requests SET state = 'accepted' WHERE request_id = ?").run(requestId)
      const contact = this.#db.prepare('INSERT OR IGNORE INTO contacts (user_id, contact_id, added_at) VALUES (?, ?, ?)')
      contact.run(r.recipient, r.sender, at)
      contact.run(r.sender, r.recipient, at)
      const groupExists = this.#db.prepare('SELECT 1 FROM groups WHERE group_id = ?').get(r.group_id) !== undefined
      const active = new Set(
        request.devices.filter((d) => this.#db.prepare("SELECT 1 FROM devices WHERE device_id = ? AND user_id = ? AND status = 'active'").get(d, r.recipient) !== undefined),
      )
      if (groupExists) for (const d of active) this.#db.prepare('INSERT OR IGNORE INTO group_members (group_id, device_id) VALUES (?, ?)').run(r.group_id, d)
      const holds = this.#db.prepare('SELECT device_id, message_id, group_id, sender, kind, sent_at, payload FROM request_holds WHERE request_id = ? ORDER BY pos').all(requestId) as HoldRow[]
      const released: ReleasedMessage[] = []
      for (const h of holds) {
        const deviceId = h.device_id as DeviceId
        if (!groupExists || !active.has(deviceId)) continue
        const m = { messageId: h.message_id as MessageId, groupId: h.group_id as GroupId, sender: h.sender as DeviceId, kind: h.kind as MessageKind, sentAt: h.sent_at, payload: new Uint8Array(h.payload) }
        released.push({ ...m, deviceId, seq: this.#queue.storeFor(m, deviceId) })
      }
      this.#db.prepare('DELETE FROM request_holds WHERE request_id = ?').run(requestId)
      return { request: { ...request, state: 'accepted' as const }, released }
    })
  }

  async declineRequest(requestId: string, recipient: UserId): Promise<boolean> {
    return this.#db.transaction(() => {
      if (this.#db.prepare("UPDATE contact_requests SET state = 'declined' WHERE request_id = ? AND recipient = ? AND state = 'pending'").run(requestId, recipient).changes === 0) return false
      this.#db.prepare('DELETE FROM request_holds WHERE request_id = ?').run(requestId)
      return true
    })()
  }
}

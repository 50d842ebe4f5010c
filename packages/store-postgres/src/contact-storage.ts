// Consent to be contacted on PostgreSQL (ContactStorage of @candor/ports): contacts, blocks, each
// organisation's policy, contact requests and the deliveries they hold. Holds of one sender and
// of one recipient are serialised by transaction-scoped advisory locks, so quotas hold across
// nodes; released deliveries take their seqs from the device's counter row as any others.
import type { DeviceId, GroupId, MessageId, MessageKind, OrgId, UserId } from '@candor/protocol'
import type { BlockRecord, ContactRequestRecord, ContactStorage, HoldAllResult, HoldInput, HoldLimits, HoldResult, ReleasedMessage, RequestState } from '@candor/ports'
import { bytes, transaction, type Db, type Sql, type Tx } from './connection.ts'

interface RequestRow {
  request_id: string
  recipient: string
  sender: string
  sender_device: string
  group_id: string
  devices: string[]
  state: RequestState
  created_at: string | number
  held: string | number
}
interface HoldRow {
  device_id: string
  message_id: string
  group_id: string
  sender: string
  kind: number
  sent_at: string | number
  payload: Buffer
}

const toRecord = (r: RequestRow): ContactRequestRecord => ({
  requestId: r.request_id,
  recipient: r.recipient as UserId,
  sender: r.sender as UserId,
  senderDevice: r.sender_device as DeviceId,
  groupId: r.group_id as GroupId,
  devices: r.devices as DeviceId[],
  state: r.state,
  createdAt: Number(r.created_at),
  held: Number(r.held),
})

/** Requests with their held counts (distinct message id and kind, welcomes included). */
function requests(db: Db) {
  return db`SELECT r.*, (SELECT count(*) FROM (SELECT DISTINCT h.message_id, h.kind FROM request_holds h WHERE h.request_id = r.request_id) x) AS held FROM contact_requests r`
}

async function heldCount(db: Db, where: 'request' | 'sender' | 'recipient', key: string): Promise<number> {
  const [r] =
    where === 'request'
      ? await db<{ n: string }[]>`SELECT count(*) AS n FROM (SELECT DISTINCT message_id, kind FROM request_holds WHERE request_id = ${key} AND kind <> 2) x`
      : where === 'sender'
        ? await db<{ n: string }[]>`SELECT count(*) AS n FROM (SELECT DISTINCT h.request_id, h.message_id, h.kind FROM request_holds h JOIN contact_requests r ON r.request_id = h.request_id WHERE r.sender = ${key} AND r.state = 'pending') x`
        : await db<{ n: string }[]>`SELECT count(*) AS n FROM (SELECT DISTINCT h.request_id, h.message_id, h.kind FROM request_holds h JOIN contact_requests r ON r.request_id = h.request_id WHERE r.recipient = ${key} AND r.state = 'pending') x`
  return Number(r!.n)
}

/** A hold of holdAll over a quota: thrown to roll the transaction back. */
class OverQuota extends Error {
  constructor(
    readonly recipient: UserId,
    readonly reason: 'quota_request' | 'quota_sender' | 'quota_recipient',
  ) {
    super(reason)
  }
}

export class PostgresContacts implements ContactStorage {
  readonly #sql: Sql

  constructor(sql: Sql) {
    this.#sql = sql
  }

  async isContact(user: UserId, contact: UserId): Promise<boolean> {
    return (await this.#sql`SELECT 1 FROM contacts WHERE user_id = ${user} AND contact_id = ${contact}`).length === 1
  }
  async addContact(user: UserId, contact: UserId, at: number): Promise<boolean> {
    return (await this.#sql`INSERT INTO contacts (user_id, contact_id, added_at) VALUES (${user}, ${contact}, ${at}) ON CONFLICT DO NOTHING RETURNING 1`).length === 1
  }

  async block(user: UserId, blocked: UserId, at: number): Promise<boolean> {
    return (await this.#sql`INSERT INTO blocks (user_id, blocked_id, blocked_at) VALUES (${user}, ${blocked}, ${at}) ON CONFLICT DO NOTHING RETURNING 1`).length === 1
  }
  async unblock(user: UserId, blocked: UserId): Promise<boolean> {
    return (await this.#sql`DELETE FROM blocks WHERE user_id = ${user} AND blocked_id = ${blocked} RETURNING 1`).length === 1
  }
  async listBlocks(user: UserId): Promise<BlockRecord[]> {
    const rows = await this.#sql<{ blocked_id: string; blocked_at: string }[]>`SELECT blocked_id, blocked_at FROM blocks WHERE user_id = ${user} ORDER BY blocked_at, blocked_id`
    return rows.map((r) => ({ userId: r.blocked_id as UserId, at: Number(r.blocked_at) }))
  }
  async isBlocked(user: UserId, blocked: UserId): Promise<boolean> {
    return (await this.#sql`SELECT 1 FROM blocks WHERE user_id = ${user} AND blocked_id = ${blocked}`).length === 1
  }
  async blockingDevices(blocked: UserId): Promise<DeviceId[]> {
    const rows = await this.#sql<{ device_id: DeviceId }[]>`SELECT d.device_id FROM blocks b JOIN devices d ON d.user_id = b.user_id WHERE b.blocked_id = ${blocked} ORDER BY d.device_id`
    return rows.map((r) => r.device_id)
  }

  async requestsInsideOrg(org: OrgId): Promise<boolean> {
    const [r] = await this.#sql<{ requests_inside: boolean }[]>`SELECT requests_inside FROM org_contact_policy WHERE org_id = ${org}`
    return r?.requests_inside === true
  }
  async setRequestsInsideOrg(org: OrgId, on: boolean): Promise<boolean> {
    const r = await this.#sql`
      INSERT INTO org_contact_policy (org_id, requests_inside) SELECT org_id, ${on} FROM organisations WHERE org_id = ${org}
      ON CONFLICT (org_id) DO UPDATE SET requests_inside = EXCLUDED.requests_inside RETURNING 1`
    return r.length === 1
  }

  async hold(h: HoldInput, limits: HoldLimits): Promise<HoldResult> {
    return transaction(this.#sql, (tx) => this.#holdIn(tx, h, limits))
  }

  async holdAll(holds: readonly HoldInput[], limits: HoldLimits): Promise<HoldAllResult> {
    try {
      return await transaction(this.#sql, async (tx): Promise<HoldAllResult> => {
        // Every sender's and recipient's lock first, in one order (no deadlock with a single hold).
        const keys = new Set<string>()
        for (const h of holds) {
          const [req] = await tx<{ sender: string }[]>`SELECT sender FROM contact_requests WHERE group_id = ${h.groupId} AND recipient = ${h.recipient}`
          const sender = req?.sender ?? h.open?.sender
          if (sender) keys.add(`s:${sender}`)
          keys.add(`r:${h.recipient}`)
        }
        for (const k of [...keys].sort()) await tx`SELECT pg_advisory_xact_lock(hashtextextended(${k}, 0))`
        const results: HoldResult[] = []
        for (const h of holds) {
          const r = await this.#holdIn(tx, h, limits)
          // Thrown: the transaction is rolled back, so what was held for the others goes too.
          if (!r.held && r.reason.startsWith('quota_')) throw new OverQuota(h.recipient, r.reason as OverQuota['reason'])
          results.push(r)
        }
        return { held: true, results }
      })
    } catch (e) {
      if (e instanceof OverQuota) return { held: false, recipient: e.recipient, reason: e.reason }
      throw e
    }
  }

  /** One hold, inside the caller's transaction. */
  async #holdIn(tx: Tx, h: HoldInput, limits: HoldLimits): Promise<HoldResult> {
    const find = async () => (await tx<{ request_id: string; sender: string; state: RequestState; devices: string[] }[]>`
      SELECT request_id, sender, state, devices FROM contact_requests WHERE group_id = ${h.groupId} AND recipient = ${h.recipient}`)[0]
    let req = await find()
    if (!req && !h.open) return { held: false, reason: 'none' }
    const sender = req?.sender ?? h.open!.sender
    // Quotas are counted under locks on the sender and the recipient (in one order: no deadlock).
    for (const k of [`s:${sender}`, `r:${h.recipient}`].sort()) await tx`SELECT pg_advisory_xact_lock(hashtextextended(${k}, 0))`
    req = await find()
    if (!req && !h.open) return { held: false, reason: 'none' }
    if (req && req.state !== 'pending') return { held: false, reason: req.state }
    if (req && h.message.kind !== 2 && (await heldCount(tx, 'request', req.request_id)) >= limits.perRequest) return { held: false, reason: 'quota_request' }
    if ((await heldCount(tx, 'sender', req?.sender ?? sender)) >= limits.perSender) return { held: false, reason: 'quota_sender' }
    if ((await heldCount(tx, 'recipient', h.recipient)) >= limits.perRecipient) return { held: false, reason: 'quota_recipient' }
    let requestId: string
    if (!req) {
      const o = h.open!
      requestId = o.requestId
      await tx`
        INSERT INTO contact_requests (request_id, recipient, sender, sender_device, group_id, devices, state, created_at)
        VALUES (${requestId}, ${h.recipient}, ${o.sender}, ${o.senderDevice}, ${h.groupId}, ${tx.array([...new Set(h.devices)])}::text[], 'pending', ${o.createdAt})`
    } else {
      requestId = req.request_id
      const devices = [...new Set([...req.devices, ...h.devices])]
      await tx`UPDATE contact_requests SET devices = ${tx.array(devices)}::text[] WHERE request_id = ${requestId}`
    }
    const m = h.message
    const payload = Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength)
    for (const d of new Set(h.devices)) {
      await tx`INSERT INTO request_holds (request_id, device_id, message_id, group_id, sender, kind, sent_at, payload)
        VALUES (${requestId}, ${d}, ${m.messageId}, ${m.groupId}, ${m.sender}, ${m.kind}, ${m.sentAt}, ${payload})`
    }
    return { held: true, requestId, created: !req }
  }

  async requestIn(groupId: GroupId, recipient: UserId): Promise<ContactRequestRecord | null> {
    const [r] = await this.#sql<RequestRow[]>`${requests(this.#sql)} WHERE r.group_id = ${groupId} AND r.recipient = ${recipient}`
    return r ? toRecord(r) : null
  }
  async pendingIn(groupId: GroupId): Promise<ContactRequestRecord[]> {
    const rows = await this.#sql<RequestRow[]>`${requests(this.#sql)} WHERE r.group_id = ${groupId} AND r.state = 'pending' ORDER BY r.created_at, r.request_id`
    return rows.map(toRecord)
  }
  async getRequest(requestId: string): Promise<ContactRequestRecord | null> {
    const [r] = await this.#sql<RequestRow[]>`${requests(this.#sql)} WHERE r.request_id = ${requestId}`
    return r ? toRecord(r) : null
  }
  async listRequests(recipient: UserId): Promise<ContactRequestRecord[]> {
    const rows = await this.#sql<RequestRow[]>`${requests(this.#sql)} WHERE r.recipient = ${recipient} AND r.state = 'pending' ORDER BY r.created_at, r.request_id`
    return rows.map(toRecord)
  }

  async abandonRequest(requestId: string): Promise<boolean> {
    return transaction(this.#sql, async (tx) => {
      if ((await tx`DELETE FROM contact_requests WHERE request_id = ${requestId} AND state = 'pending' RETURNING 1`).length === 0) return false
      await tx`DELETE FROM request_holds WHERE request_id = ${requestId}`
      return true
    })
  }

  async acceptRequest(requestId: string, recipient: UserId, at: number): Promise<{ request: ContactRequestRecord; released: ReleasedMessage[] } | null> {
    return transaction(this.#sql, async (tx) => {
      const [r] = await tx<RequestRow[]>`${requests(tx)} WHERE r.request_id = ${requestId} FOR UPDATE OF r`
      if (!r || r.recipient !== recipient || r.state !== 'pending') return null
      const request = toRecord(r)
      await tx`UPDATE contact_requests SET state = 'accepted' WHERE request_id = ${requestId}`
      await tx`INSERT INTO contacts (user_id, contact_id, added_at) VALUES (${r.recipient}, ${r.sender}, ${at}), (${r.sender}, ${r.recipient}, ${at}) ON CONFLICT DO NOTHING`
      const groupExists = (await tx`SELECT 1 FROM groups WHERE group_id = ${r.group_id} FOR SHARE`).length === 1
      const activeRows = await tx<{ device_id: DeviceId }[]>`
        SELECT device_id FROM devices WHERE device_id = ANY(${tx.array(request.devices)}::text[]) AND user_id = ${recipient} AND status = 'active' ORDER BY device_id`
      const active = new Set(activeRows.map((d) => d.device_id))
      if (groupExists && active.size > 0) {
        await tx`INSERT INTO group_members (group_id, device_id) SELECT ${r.group_id}, unnest(${tx.array([...active])}::text[]) ON CONFLICT DO NOTHING`
      }
      const holds = await tx<HoldRow[]>`SELECT device_id, message_id, group_id, sender, kind, sent_at, payload FROM request_holds WHERE request_id = ${requestId} ORDER BY pos`
      const released: ReleasedMessage[] = []
      for (const h of holds) {
        const deviceId = h.device_id as DeviceId
        if (!groupExists || !active.has(deviceId)) continue
        const m = { messageId: h.message_id as MessageId, groupId: h.group_id as GroupId, sender: h.sender as DeviceId, kind: h.kind as MessageKind, sentAt: Number(h.sent_at), payload: bytes(h.payload) }
        // Joins the stored message when one is kept (other recipients have not acknowledged it), else stored anew.
        let [msg] = await tx<{ id: string }[]>`UPDATE messages SET remaining = remaining + 1 WHERE sender = ${m.sender} AND message_id = ${m.messageId} AND kind = ${m.kind} RETURNING id`
        if (!msg) {
          ;[msg] = await tx<{ id: string }[]>`
            INSERT INTO messages (sender, message_id, group_id, kind, sent_at, payload, remaining)
            VALUES (${m.sender}, ${m.messageId}, ${m.groupId}, ${m.kind}, ${m.sentAt}, ${h.payload}, 1) RETURNING id`
        }
        const [seq] = await tx<{ last_seq: string }[]>`
          INSERT INTO device_seq AS s (device_id, last_seq) VALUES (${deviceId}, 1)
          ON CONFLICT (device_id) DO UPDATE SET last_seq = s.last_seq + 1 RETURNING last_seq`
        await tx`INSERT INTO queue (device_id, seq, message) VALUES (${deviceId}, ${seq!.last_seq}, ${msg!.id})`
        released.push({ ...m, deviceId, seq: Number(seq!.last_seq) })
      }
      await tx`DELETE FROM request_holds WHERE request_id = ${requestId}`
      return { request: { ...request, state: 'accepted' as const }, released }
    })
  }

  async declineRequest(requestId: string, recipient: UserId): Promise<boolean> {
    return transaction(this.#sql, async (tx) => {
      const r = await tx`UPDATE contact_requests SET state = 'declined' WHERE request_id = ${requestId} AND recipient = ${recipient} AND state = 'pending' RETURNING 1`
      if (r.length === 0) return false
      await tx`DELETE FROM request_holds WHERE request_id = ${requestId}`
      return true
    })
  }
}

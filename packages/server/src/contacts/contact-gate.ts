// The gate between a first conversation and a person who has not agreed to it (docs/protocol.md
// §5.5). A commit that adds someone's devices passes membersAdded first: a contact's devices get
// their welcome; a stranger's are held under a contact request (their welcome and every later
// message and commit of the group wait in request_holds, outside the delivery roster) until the
// recipient accepts; a recipient who blocks the sender, or declined in this conversation, gets
// nothing and the sender is not told. Blocks also stop a blocked person's messages to groups the
// two already share (forSend).
import { CandorError, LIMITS, randomBytes, toBase64Url, type DeviceId, type GroupId, type MessageId, type Notice, type UserId } from '@candor/protocol'
import type { Bus, ContactRequestRecord, HeldMessage, HoldLimits, HoldResult, Store } from '@candor/ports'
import type { Logger } from '../logger.ts'
import { contactRule } from './contact-rule.ts'

const TTL_MS = 5_000
const MAX_ENTRIES = 50_000

export const HOLD_LIMITS: HoldLimits = { perRequest: LIMITS.heldPerRequest, perSender: LIMITS.heldPerSender, perRecipient: LIMITS.heldPerRecipient }
/** Commits of a group are held beyond the quotas: a held member must be able to follow the group (commits are budgeted per member). */
const COMMIT_LIMITS: HoldLimits = { perRequest: Infinity, perSender: Infinity, perRecipient: Infinity }

export interface GateResult {
  /** Added devices whose welcome goes out now (they join the delivery roster). */
  delivered: DeviceId[]
  /** Added devices held under a pending request. */
  held: DeviceId[]
  /** Added devices that get nothing: their user blocks the sender, or declined here. */
  dropped: DeviceId[]
  /** The commit was refused after gating: the requests it opened go again. */
  abandon(): Promise<void>
  /**
   * The commit was stored: recipients of new requests are told, and the commit is held for the
   * group's other pending requests (the devices it adds have their welcome instead).
   */
  committed(commit: HeldMessage): Promise<void>
}

/** What a send to a group needs to know beyond its roster. */
export interface SendGate {
  /** The group's pending requests (their devices are not on the roster). */
  pending: readonly ContactRequestRecord[]
  /** Devices of users who block the sender. */
  blockers: ReadonlySet<DeviceId>
}

/** Tells a user's connected devices about an event. */
export type NotifyUser = (userId: UserId, notice: Notice) => void

interface Cached<T> {
  at: number
  value: Promise<T>
  settled?: { value: T }
}

function quotaError(r: HoldResult, l: HoldLimits): CandorError | null {
  if (r.held) return null
  switch (r.reason) {
    case 'quota_request':
      return new CandorError('quota_exceeded', `a contact request holds at most ${l.perRequest} messages until it is accepted`, { details: { limit: l.perRequest, per: 'request' } })
    case 'quota_sender':
      return new CandorError('quota_exceeded', `at most ${l.perSender} of your messages may wait on contact requests`, { details: { limit: l.perSender, per: 'sender' } })
    case 'quota_recipient':
      return new CandorError('quota_exceeded', `the recipient has ${l.perRecipient} messages waiting on contact requests`, { details: { limit: l.perRecipient, per: 'recipient' } })
    default:
      return null
  }
}

export class ContactGate {
  readonly #store: Store
  readonly #log: Logger
  readonly #notify: NotifyUser
  readonly #pending = new Map<GroupId, Cached<ContactRequestRecord[]>>()
  readonly #blockers = new Map<UserId, Cached<ReadonlySet<DeviceId>>>()

  readonly #limits: HoldLimits
  readonly #bus: Bus

  constructor(store: Store, bus: Bus, log: Logger, notify: NotifyUser, limits: Partial<HoldLimits> = {}) {
    this.#limits = { ...HOLD_LIMITS, ...limits }
    this.#store = store
    this.#log = log
    this.#notify = notify
    this.#bus = bus
    // A group's requests change with its roster (accept, decline, a commit opening one): every
    // node drops them on the roster's notice. Blocks have their own notice.
    bus.onGroupChanged((g) => this.#pending.delete(g))
    bus.onBlocksChanged((u) => this.#blockers.delete(u))
  }

  /**
   * Decides for each added device of another user whether its welcome is delivered, held under a
   * request (opened or extended here, the welcome held with it) or dropped. Throws
   * CandorError('quota_exceeded') over a quota, having changed nothing. A reset group's members
   * of the group it replaced keep what they had there: contacts of the resetter for this purpose,
   * a pending request stays one, a declined one stays dropped.
   */
  async membersAdded(groupId: GroupId, sender: DeviceId, added: readonly DeviceId[], welcome: { messageId: MessageId; sentAt: number; payload: Uint8Array } | undefined): Promise<GateResult> {
    const delivered: DeviceId[] = []
    const held: DeviceId[] = []
    const dropped: DeviceId[] = []
    const opened: Array<{ requestId: string; recipient: UserId; from: UserId }> = []
    const result: GateResult = {
      delivered,
      held,
      dropped,
      abandon: async () => {
        for (const o of opened) await this.#store.contacts().abandonRequest(o.requestId)
        // Every node drops the group's requests (a node that looked meanwhile saw these open).
        if (opened.length > 0) this.#bus.publishGroupChanged(groupId)
      },
      committed: async (commit) => {
        for (const o of opened) this.#notify(o.recipient, { kind: 'contact_request', requestId: o.requestId, from: o.from, groupId })
        const pending = await this.#store.contacts().pendingIn(groupId)
        if (pending.length > 0) await this.holdFor(pending, commit, new Set(added))
      },
    }
    if (added.length === 0) return result
    const senderDevice = await this.#store.getDevice(sender)
    if (!senderDevice) throw new CandorError('unauthenticated', 'unknown device')
    const from = senderDevice.userId
    const byUser = new Map<UserId, DeviceId[]>()
    for (const d of added) {
      const dev = await this.#store.getDevice(d)
      if (!dev) throw new CandorError('unknown_device', `device ${d} is not an active device`)
      byUser.set(dev.userId, [...(byUser.get(dev.userId) ?? []), d])
    }
    const contacts = this.#store.contacts()
    const previous = (await this.#store.groupResets(groupId)).from?.previousGroup
    const previousMembers = previous ? new Set((await this.#store.getGroup(previous))?.members ?? []) : new Set<DeviceId>()
    try {
      for (const [recipient, devices] of byUser) {
        if (recipient === from) {
          delivered.push(...devices)
          continue
        }
        if (await contacts.isBlocked(recipient, from)) {
          dropped.push(...devices)
          continue
        }
        let verdict = await this.#verdictIn(groupId, recipient)
        if (verdict === undefined && previous) {
          const before = await contacts.requestIn(previous, recipient)
          if (before?.state === 'declined') verdict = 'dropped'
          else if (before?.state === 'pending') verdict = 'request'
          else if (before?.state === 'accepted') verdict = 'contact'
          else if ((await this.#devicesOf(recipient)).some((d) => previousMembers.has(d))) verdict = 'contact'
        }
        verdict ??= await contactRule(this.#store, from, recipient)
        if (verdict === 'contact') {
          delivered.push(...devices)
          continue
        }
        if (verdict === 'dropped') {
          dropped.push(...devices)
          continue
        }
        if (!welcome) throw new CandorError('bad_request', 'adding devices needs a welcome')
        const requestId = toBase64Url(randomBytes(16))
        const r = await contacts.hold(
          { recipient, groupId, devices, message: { ...welcome, groupId, sender, kind: 2 }, open: { requestId, sender: from, senderDevice: sender, createdAt: Date.now() } },
          this.#limits,
        )
        const refused = quotaError(r, this.#limits)
        if (refused) throw refused
        if (!r.held) {
          // Settled between the look and the hold (accepted: a contact now; declined: dropped).
          ;(r.reason === 'accepted' ? delivered : dropped).push(...devices)
          continue
        }
        if (r.created) opened.push({ requestId: r.requestId, recipient, from })
        held.push(...devices)
      }
    } catch (e) {
      await result.abandon()
      throw e
    }
    if (held.length > 0) this.#pending.delete(groupId)
    return result
  }

  /** The state this group already settled for the recipient, if any. */
  async #verdictIn(groupId: GroupId, recipient: UserId): Promise<'contact' | 'request' | 'dropped' | undefined> {
    const r = await this.#store.contacts().requestIn(groupId, recipient)
    if (!r) return undefined
    return r.state === 'pending' ? 'request' : r.state === 'declined' ? 'dropped' : undefined
  }

  async #devicesOf(userId: UserId): Promise<DeviceId[]> {
    return (await this.#store.listDevices(userId)).map((d) => d.deviceId)
  }

  /** What a send to this group needs, if cached (the per-message path needs no promise). */
  cached(groupId: GroupId, sender: UserId): SendGate | undefined {
    const p = this.#hit(this.#pending, groupId)
    const b = this.#hit(this.#blockers, sender)
    return p && b ? { pending: p.value, blockers: b.value } : undefined
  }

  async forSend(groupId: GroupId, sender: UserId): Promise<SendGate> {
    const [pending, blockers] = await Promise.all([
      this.#lookup(this.#pending, groupId, () => this.#store.contacts().pendingIn(groupId)),
      this.#lookup(this.#blockers, sender, async () => new Set(await this.#store.contacts().blockingDevices(sender))),
    ])
    return { pending, blockers }
  }

  /**
   * Holds a message of a group for each of its pending requests (a commit: for all but the
   * devices it adds, whose welcome covers it). An application message over a quota throws
   * CandorError('quota_exceeded'); returns the devices of requests accepted meanwhile, which take
   * the message as members.
   */
  async holdFor(pending: readonly ContactRequestRecord[], message: HeldMessage, except: ReadonlySet<DeviceId> = new Set()): Promise<DeviceId[]> {
    const limits = message.kind === 0 ? this.#limits : COMMIT_LIMITS
    const holds = pending.map((p) => ({ recipient: p.recipient, groupId: p.groupId, devices: p.devices.filter((d) => !except.has(d)), message })).filter((h) => h.devices.length > 0)
    if (holds.length === 0) return []
    // One transaction for all the group's requests: a message over one request's quota is
    // held for none (else it would reach some once they accept, and its sender was refused).
    const all = await this.#store.contacts().holdAll(holds, limits)
    if (!all.held) throw quotaError(all, limits)!
    const nowMembers: DeviceId[] = []
    all.results.forEach((r, i) => {
      if (!r.held && r.reason === 'accepted') nowMembers.push(...holds[i]!.devices)
    })
    return nowMembers
  }

  /**
   * A block of this user was made or lifted: every node forgets who blocks them (this one before
   * returning, the others when the bus brings the notice; entries expire anyway after TTL_MS, so
   * a lost notice cannot keep a stale answer for long).
   */
  blocksChanged(blocked: UserId): void {
    this.#blockers.delete(blocked)
    this.#bus.publishBlocksChanged(blocked)
  }

  #hit<K, T>(cache: Map<K, Cached<T>>, key: K): { value: T } | undefined {
    const hit = cache.get(key)
    return hit?.settled && Date.now() - hit.at < TTL_MS ? hit.settled : undefined
  }

  #lookup<K, T>(cache: Map<K, Cached<T>>, key: K, load: () => Promise<T>): Promise<T> {
    const now = Date.now()
    const hit = cache.get(key)
    if (hit && now - hit.at < TTL_MS) return hit.value
    if (cache.size > MAX_ENTRIES) cache.clear()
    const entry: Cached<T> = { at: now, value: load() }
    cache.set(key, entry)
    entry.value.then(
      (value) => {
        entry.settled = { value }
      },
      (err: unknown) => {
        if (cache.get(key) === entry) cache.delete(key)
        this.#log.error({ err }, 'contact gate lookup failed')
      },
    )
    return entry.value
  }
}

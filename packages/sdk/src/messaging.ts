// Conversations from this device: creating them, changing and leaving their membership,
// sending into them, and telling who can read them. CandorClient delegates its conversation
// methods here; the MLS changes themselves go through GroupChanges.
import { CandorError, LIMITS, fromBase64Url, newGroupId, newMessageId, toBase64Url, type AttachmentRef, type GroupId, type MessageId, type Seen } from '@candor/protocol'
import { CLASSIC_SUITE, DEFAULT_SUITE, encryptApplication, groupInfoForExternalJoin, leaves, ownLeafIndex, startGroup, type Leaf, type MlsConfig, type MlsSuites, type ServerSender, type SuiteName } from '@candor/crypto'
import type { ApiClient } from './api-client.ts'
import type { ClientEvents, Reader } from './client-types.ts'
import type { Connection } from './connection.ts'
import type { Conversations } from './conversations.ts'
import type { MessageRecord } from './message-record.ts'
import { kindOf, type ComplianceArchives } from './data/archives.ts'
import { expiresAt, timerSeconds } from './data/retention.ts'
import type { DeviceDirectory } from './directory.ts'
import type { Claimed, GroupChanges } from './group-changes.ts'
import type { KeyPackages } from './key-packages.ts'
import { encodeOutgoing, type Outgoing } from './message-content.ts'
import type { ReplyRef } from '@candor/protocol'
import type { SerialLock } from './serial-lock.ts'
import type { DeliveryFailures } from './delivery-failures.ts'

/** How long a send refused because its group was reset waits for this device to be in the new group. */
const RESET_MOVE_WAIT_MS = 30_000

export interface MessagingDeps {
  api: ApiClient
  /** The server as the new group's external sender (server-removals.ts), when it offers one the pinned key vouches for. */
  serverSender?: () => Promise<ServerSender | null>
  suites: MlsSuites
  config: MlsConfig
  /** The lock that serialises every change to this device's MLS states. */
  lock: SerialLock
  me: { userId: string; deviceId: string }
  conversations: Conversations
  groups: GroupChanges
  keyPackages: KeyPackages
  directory: DeviceDirectory
  archives: ComplianceArchives
  /** Recipients' reports of messages they could not decrypt (a report can come before the send's answer). */
  failures: DeliveryFailures
  /** Throws when this person may not send in the group (a compliance archive's rules, data/archive-member.ts). */
  beforeSend?: (groupId: string) => Promise<void>
  /** The delivery socket, once connect() has started it. */
  connection(): Connection | undefined
  /** This device's latest verified checkpoints, carried in every message it sends (§2.3). */
  seen(): Promise<Seen>
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
}

export class Messaging {
  readonly #d: MessagingDeps

  constructor(deps: MessagingDeps) {
    this.#d = deps
  }

  async create(userIds: readonly string[]): Promise<string> {
    const { api, lock, keyPackages, conversations, groups, me } = this.#d
    const others = [...new Set(userIds)].filter((u) => u !== me.userId)
    // Everyone named must be reachable (known, with a device the key directory proves) before
    // anything is made: a failed "new conversation" leaves no conversation of one behind.
    const { suite, claims } = await this.#claimForNew([me.userId, ...others])
    const groupId = newGroupId()
    await lock.run(async () => {
      const [kp] = await keyPackages.generate(1, false, suite)
      const state = await startGroup(this.#d.suites, this.#d.config, fromBase64Url(groupId)!, kp!, (await this.#d.serverSender?.()) ?? undefined)
      await keyPackages.consumed(kp!)
      // The server keeps the group's public state from its first GroupInfo (docs/protocol.md §5.1).
      await api.createGroup(groupId, toBase64Url(await groupInfoForExternalJoin(this.#d.suites, state)))
      await this.#d.archives.beforeChange(groupId, others, 'given')
      await conversations.save(groupId, state, { createdAt: Date.now(), status: 'active' })
    })
    if (claims.length > 0) {
      try {
        await groups.commitAdds(groupId, claims)
      } catch (e) {
        // Nobody could be added after all: the conversation of one is left and not kept in the list.
        await this.#markLeft(groupId).catch(() => undefined)
        await conversations.hide(groupId, true).catch(() => undefined)
        throw e
      }
    }
    return groupId
  }

  /**
   * A new conversation's suite and key packages (docs/protocol.md §5.0): the post-quantum suite
   * when every device asked for has a package of it, else suite 1 for everyone.
   */
  async #claimForNew(userIds: readonly string[]): Promise<{ suite: SuiteName; claims: Claimed[] }> {
    const { groups } = this.#d
    try {
      const pq = await groups.claimAll(userIds, true, DEFAULT_SUITE)
      // A group larger than the post-quantum suite's limit is made in suite 1 (docs/protocol.md §5.0).
      if (pq.missing.length === 0 && pq.claimed.length + 1 <= LIMITS.pqGroupMembers) return { suite: DEFAULT_SUITE, claims: pq.claimed }
    } catch (e) {
      if (!(e instanceof CandorError && e.code === 'no_key_package')) throw e
    }
    return { suite: CLASSIC_SUITE, claims: await groups.claim(userIds, true, CLASSIC_SUITE) }
  }

  async direct(userId: string): Promise<string> {
    const existing = this.#d.conversations.withUsers(new Set([this.#d.me.userId, userId]))[0]
    return existing ? this.#d.conversations.conversationOf(existing.meta.id) : this.create([userId])
  }

  async add(conversation: string, userIds: readonly string[]): Promise<void> {
    const { groups } = this.#d
    // Too many people for the group's suite: refused before their key packages are claimed…
    groups.assertAddFits(conversation, [], userIds)
    const claims = await groups.claim(userIds, false, groups.suiteOf(conversation))
    // …too many devices: before anyone is asked to consent (a compliance archive, data/archives.ts) and before the first commit.
    groups.assertAddFits(conversation, claims, userIds)
    await this.#d.archives.beforeChange(conversation, userIds, 'given')
    await groups.commitAdds(conversation, claims)
  }

  async remove(conversation: string, userIds: readonly string[]): Promise<void> {
    const users = new Set(userIds)
    if (users.has(this.#d.me.userId)) throw new CandorError('bad_request', 'use leave() to leave a conversation')
    await this.#d.archives.beforeChange(conversation, userIds, 'withdrawn')
    await this.#d.groups.commit(conversation, async (c) => ({
      add: [],
      removeDevices: leaves(c.state).filter((l) => users.has(l.userId)).map((l) => l.deviceId),
    }))
  }

  async leave(conversation: string): Promise<void> {
    await this.sendContent(conversation, { type: 'leave', id: newMessageId(), sentAt: Date.now() })
    await this.#markLeft(conversation)
  }

  async #markLeft(conversation: string): Promise<void> {
    const { conversations } = this.#d
    await this.#d.api.leave(conversation).catch((e: unknown) => {
      if (!(e instanceof CandorError) || e.code !== 'not_member') throw e
    })
    await this.#d.lock.run(async () => {
      const c = conversations.get(conversation)
      if (c) await conversations.save(conversation, c.state, { status: 'left' })
    })
    this.#d.emit('conversation', { id: conversation, change: 'left' })
  }

  /** A member left: their own other devices leave too; the lowest remaining leaf commits the removal. */
  onLeave(conversation: string, who: Leaf): void {
    const { emit } = this.#d
    if (who.userId === this.#d.me.userId) {
      void this.#markLeft(conversation).catch((error: unknown) => emit('error', { where: 'leave', error }))
      return
    }
    const c = this.#d.conversations.get(conversation)
    if (!c) return
    const staying = leaves(c.state).filter((l) => l.userId !== who.userId)
    if (staying[0]?.leafIndex !== ownLeafIndex(c.state)) return
    const removeDevices = leaves(c.state).filter((l) => l.userId === who.userId).map((l) => l.deviceId)
    // Outside the lock: the commit takes it itself.
    setTimeout(() => {
      this.#d.groups.commit(conversation, async (cur) => ({
        add: [],
        removeDevices: leaves(cur.state).filter((l) => removeDevices.includes(l.deviceId)).map((l) => l.deviceId),
      })).catch((error: unknown) => emit('error', { where: 'removing a member who left', error }))
    }, 0)
  }

  async send(conversation: string, text: string, attachments: readonly AttachmentRef[] = [], extra: { replyTo?: ReplyRef; mentions?: readonly string[] } = {}): Promise<MessageRecord> {
    const { conversations, me } = this.#d
    // Not connected (never, or its session ended for good: revoked, erased): fails at once, asking nothing more.
    const conn = this.#d.connection()
    if (!conn || conn.state === 'closed') throw new CandorError('unavailable', 'not connected: call connect() first')
    await this.#d.beforeSend?.(conversation)
    // Stamped with the timer, so a member who missed the timer message still deletes it in time.
    const timer = conversations.timerMs(conversation)
    const seconds = timerSeconds(timer)
    const content: Outgoing = {
      type: 'text',
      id: newMessageId(),
      text,
      sentAt: Date.now(),
      ...(seconds === null ? {} : { timer: seconds }),
      ...(attachments.length > 0 ? { attachments } : {}),
      ...(extra.replyTo ? { replyTo: extra.replyTo } : {}),
      ...(extra.mentions && extra.mentions.length > 0 ? { mentions: [...extra.mentions] } : {}),
    } as unknown as Outgoing
    const { group, sentAt } = await this.sendAcrossReset(conversation, content)
    const record: MessageRecord = {
      id: content.id,
      conversation: conversations.conversationOf(group),
      from: me.userId,
      fromDevice: me.deviceId,
      text,
      sentAt,
      receivedAt: sentAt,
      direction: 'out',
      ...expiresAt(sentAt, seconds === null ? null : seconds * 1000),
      ...(attachments.length > 0 ? { attachments: [...attachments] } : {}),
      ...(extra.replyTo ? { replyTo: extra.replyTo } : {}),
      ...(extra.mentions && extra.mentions.length > 0 ? { mentions: [...extra.mentions], mentioned: extra.mentions.includes(me.userId) } : {}),
    }
    await conversations.record(record)
    // A recipient's report that it could not decrypt this message can arrive before the
    // server's answer to the send (its 'status' event then named a message nobody listed
    // yet): the record returned carries what is known, so "Sent" never hides it.
    const [shown] = await this.#d.failures.decorate([record], me.deviceId)
    return shown ?? record
  }

  /**
   * Sends content into the conversation's group so that a reset racing it loses nothing
   * (docs/protocol.md §5.4, "No acknowledged message is lost to a reset"): texts, edits, deletes,
   * reactions and receipts alike. Resolves with the group it went into last, once it is there.
   */
  async sendAcrossReset(conversation: string, content: Outgoing): Promise<{ group: string; sentAt: number }> {
    const { conversations } = this.#d
    let group = conversation
    let sentAt: number
    try {
      sentAt = await this.sendContent(group, content)
    } catch (e) {
      // The conversation was reset meanwhile (§5.4): the server refuses the old group, whose
      // members moved on, or this device moved between picking the group and sending. Sent
      // again, the same content, once this device is in the new group.
      const moved = e instanceof CandorError && e.code === 'not_member' && conversations.get(group)?.meta.status === 'reset'
      if (!(e instanceof CandorError) || (e.code !== 'conflict' && !moved)) throw e
      group = await this.movedFrom(conversation, e)
      sentAt = await this.sendContent(group, content, newMessageId())
    }
    // This device started resetting the group before the server answered: the server takes the
    // resetter's messages into the old group after the reset, when the others may have left it
    // already. The same content goes again into the new group (receivers show it once, by its
    // id), and only then is it "sent" (docs/protocol.md §5.4, "No acknowledged message is lost").
    const replaced = conversations.resetBy(group)
    if (replaced) {
      const next = await replaced
      if (next !== undefined && next !== group) {
        group = next
        sentAt = await this.sendContent(group, content, newMessageId())
      }
    }
    return { group, sentAt }
  }

  /**
   * The group that replaced `groupId` in its conversation, once this device is in it (its
   * Welcome and the reset content are on their way when the server refused a send as reset).
   * Throws `refused` when none comes: this device was left out of the reset.
   */
  async movedFrom(groupId: string, refused: CandorError): Promise<string> {
    const { conversations } = this.#d
    const conversation = conversations.conversationOf(groupId)
    const until = Date.now() + RESET_MOVE_WAIT_MS
    for (;;) {
      const now = conversations.groupOf(conversation)
      if (now !== groupId && conversations.get(now)?.meta.status === 'active') return now
      if (Date.now() > until) throw refused
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  /**
   * Encrypts and sends one content message, as version 2 with this device's checkpoints as
   * `seen`; resolves to the time the server stamped on it. `messageId`: the delivery's id, when
   * it is not the content's (the same content sent into two groups, §5.4).
   */
  async sendContent(conversation: string, content: Outgoing, messageId: MessageId = content.id): Promise<number> {
    const conn = this.#d.connection()
    if (!conn) throw new CandorError('unavailable', 'not connected: call connect() first')
    // Encoded before the lock: content the format refuses (a text over the limit) changes nothing.
    const plaintext = encodeOutgoing(content, await this.#d.seen())
    await this.#d.conversations.ready(conversation)
    const message = await this.#d.lock.run(async () => {
      await this.#d.groups.settlePending(conversation)
      const c = this.#d.groups.active(conversation)
      const out = await encryptApplication(this.#d.suites, c.state, plaintext)
      await this.#d.conversations.save(conversation, out.state)
      return out.message
    })
    // The same id on a retry lets the server drop a duplicate.
    for (let attempt = 0; ; attempt++) {
      try {
        await conn.whenOnline()
        return await conn.send(conversation as GroupId, messageId, message)
      } catch (e) {
        if (!(e instanceof CandorError) || e.code !== 'unavailable' || attempt >= 5) throw e
      }
    }
  }

  async whoCanRead(conversation: string): Promise<Reader[]> {
    const c = this.#d.conversations.get(conversation)
    if (!c) throw new CandorError('unknown_group', 'no such conversation on this device')
    const byUser = new Map<string, Reader>()
    for (const l of leaves(c.state)) {
      const key = await this.#d.directory.keyOf(l.userId, l.deviceId).catch(() => null)
      const verified = key !== null && toBase64Url(key) === toBase64Url(l.signatureKey)
      const r = byUser.get(l.userId) ?? { userId: l.userId, devices: [], kind: await this.#kind(l.userId) }
      r.devices.push({ deviceId: l.deviceId, verified, self: l.deviceId === this.#d.me.deviceId })
      byUser.set(l.userId, r)
    }
    return [...byUser.values()].sort((a, b) => a.userId.localeCompare(b.userId))
  }

  /** A bot or archive as its proven directory entry says (§3 `kind`), else as its user id's namespace says. */
  async #kind(userId: string): Promise<Reader['kind']> {
    const proven = (await this.#d.directory.entry(userId).catch(() => null))?.kind
    return proven && proven !== 'person' ? proven : kindOf(userId)
  }
}

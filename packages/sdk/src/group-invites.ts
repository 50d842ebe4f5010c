// Group invite links (docs/protocol.md §5.8 "Group links"): a member makes a person's invite
// link (§5.8) and keeps, on this device only, which conversation it admits to. The joiner
// redeems it on the server (one use counted; the two become contacts), starts the direct
// conversation with the creator and sends a `join` message carrying the link's secret,
// end-to-end encrypted. The creator's device, holding the secret's hash, adds the sender to
// the group by an MLS commit. The server never learns which group a link is for.
import { CandorError, fromBase64Url, newMessageId, toBase64Url, type DeliverFrame, type InviteInfo, type JoinContent } from '@candor/protocol'
import type { Leaf } from '@candor/crypto'
import type { Invites, NewInvite } from './invites.ts'
import type { LocalStore } from './local-store.ts'
import type { Outgoing } from './message-content.ts'

const KEY = 'groupinvites/'
const SECRET = /^[A-Za-z0-9_-]{43}$/

interface Held {
  conversation: string
  expiresAt: number
  maxUses: number
  /** Users this device added through the link. */
  joined: string[]
  revoked?: boolean
}

export interface GroupInvitesDeps {
  store: LocalStore
  invites: Invites
  userId: string
  /** Whether this device is an active member of the conversation now. */
  isMember(conversation: string): boolean
  /** The conversation's members' user ids. */
  members(conversation: string): string[]
  addMembers(conversation: string, users: string[]): Promise<void>
  directConversation(userId: string): Promise<string>
  send(conversation: string, content: Outgoing): Promise<unknown>
  error(where: string, error: unknown): void
}

/** The secret of a group link (`…#/join/<secret>`); a clear error for anything else. */
export function groupInviteSecretOf(link: string): string {
  const m = /#\/join\/([A-Za-z0-9_-]+)$/.exec(link.trim())
  if (!m || !SECRET.test(m[1]!) || fromBase64Url(m[1]!)?.length !== 32) throw new CandorError('bad_request', 'not a group invite link: it ends in #/join/ and 43 characters')
  return m[1]!
}

async function hashOf(secret: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(fromBase64Url(secret)!))))
}

/** A group link of this device's, as the server counts it, with the conversation it admits to. */
export type GroupInviteInfo = InviteInfo & { conversation: string }

export class GroupInvites {
  readonly #d: GroupInvitesDeps
  /** Adds begun for people who used a link and not yet finished (see settled()). */
  readonly #adding = new Set<Promise<void>>()

  constructor(deps: GroupInvitesDeps) {
    this.#d = deps
  }

  /** Makes a link that admits to `conversation` (this person must be a member); this device adds whoever uses it. */
  async create(conversation: string, opts: NewInvite = {}): Promise<{ link: string; invite: InviteInfo }> {
    if (!this.#d.isMember(conversation)) throw new CandorError('not_member', 'only a member can make a link to a conversation')
    const { link, invite } = await this.#d.invites.create(opts)
    const held: Held = { conversation, expiresAt: invite.expiresAt, maxUses: invite.maxUses, joined: [] }
    await this.#d.store.put(KEY + invite.inviteId, JSON.stringify(held))
    return { link: link.replace('#/invite/', '#/join/'), invite }
  }

  /** Revokes a group link on the server and on this device. */
  async revoke(inviteId: string): Promise<void> {
    await this.#d.invites.revoke(inviteId)
    const held = await this.#held(inviteId)
    if (held) await this.#d.store.put(KEY + inviteId, JSON.stringify({ ...held, revoked: true }))
  }

  /**
   * The group links this device made (for `conversation` only, when given), newest first, with
   * the server's counts; other devices' links and person links are not among them.
   */
  async list(conversation?: string): Promise<GroupInviteInfo[]> {
    const out: GroupInviteInfo[] = []
    for (const i of await this.#d.invites.list()) {
      const held = await this.#held(i.inviteId)
      if (held && (conversation === undefined || held.conversation === conversation)) out.push({ ...i, conversation: held.conversation })
    }
    return out
  }

  /** Resolves once every add begun for someone who used a link has finished (a short-lived process waits for it before closing). */
  async settled(): Promise<void> {
    while (this.#adding.size > 0) await Promise.allSettled([...this.#adding])
  }

  /** Uses a group link: redeems it, and asks its creator (in the direct conversation) to add this person. Returns that direct conversation. */
  async join(link: string): Promise<string> {
    const secret = groupInviteSecretOf(link)
    const creator = await this.#d.invites.redeem(`#/invite/${secret}`)
    const direct = await this.#d.directConversation(creator)
    await this.#d.send(direct, { type: 'join', id: newMessageId(), sentAt: Date.now(), secret } as unknown as Outgoing)
    return direct
  }

  /**
   * A `join` message (caller holds the MLS lock): when its secret is one of this device's live
   * group links, the sender is added — later, outside the lock. Anything else is ignored.
   */
  async received(_f: DeliverFrame, sender: Leaf, content: JoinContent): Promise<void> {
    if (sender.userId === this.#d.userId) return
    const id = await hashOf(content.secret)
    const held = await this.#held(id)
    if (!held || held.revoked || Date.now() >= held.expiresAt) return
    if (held.joined.includes(sender.userId)) return
    if (held.joined.length >= held.maxUses) return
    if (!this.#d.isMember(held.conversation) || this.#d.members(held.conversation).includes(sender.userId)) return
    held.joined.push(sender.userId)
    await this.#d.store.put(KEY + id, JSON.stringify(held))
    // Later, outside the MLS lock the caller holds; tracked so settled() can wait for it.
    const adding: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, 0))
      .then(() => this.#d.addMembers(held.conversation, [sender.userId]))
      .catch((error: unknown) => this.#d.error('adding a person who used a group invite link', error))
      .finally(() => this.#adding.delete(adding))
    this.#adding.add(adding)
  }

  async #held(inviteId: string): Promise<Held | undefined> {
    const raw = await this.#d.store.get(KEY + inviteId)
    return raw === undefined ? undefined : (JSON.parse(raw) as Held)
  }
}

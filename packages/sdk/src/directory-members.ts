// Directory-linked conversations, a member's part (docs/protocol.md §5.9). The server tells a
// linked conversation's members whom the organisation's SCIM group gained and lost
// (`directory_members`); a member acts on it only for a group it holds, only after the group's
// link (`GET /v1/groups/:groupId/directory-link`) names the same organisation and SCIM group, and
// only for people the key directory proves are of that organisation. It then adds them (an
// ordinary add: key packages, a Welcome, the "X added Y" line) or removes them (an ordinary
// remove). Rank as the server's removals (server-removals.ts): the lowest staying leaf at once,
// each other after 1.5 s per rank, if the change is still needed then.
import { CandorError, type GroupDirectoryLink, type Notice } from '@candor/protocol'
import { leaves, ownLeafIndex } from '@candor/crypto'
import type { ClientEvents } from './client.ts'
import type { Conversations } from './conversations.ts'
import type { DeviceDirectory } from './directory.ts'

type DirectoryNotice = Extract<Notice, { kind: 'directory_members' }>

/** Each member after the first waits this long per rank before making the change. */
const RANK_DELAY_MS = 1_500

export interface DirectoryMembersDeps {
  me: { userId: string }
  conversations: Conversations
  directory: DeviceDirectory
  linkOf(groupId: string): Promise<GroupDirectoryLink | null>
  /** The ordinary add and remove of the client (commit, then the members line). */
  add(groupId: string, userIds: readonly string[]): Promise<void>
  remove(groupId: string, userIds: readonly string[]): Promise<void>
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
}

export class DirectoryMembers {
  readonly #d: DirectoryMembersDeps
  /** One change at a time per group on this device. */
  readonly #busy = new Map<string, Promise<void>>()

  constructor(deps: DirectoryMembersDeps) {
    this.#d = deps
  }

  /** The SCIM group a conversation follows, as the server says to a member; null when none. */
  linkOf(groupId: string): Promise<GroupDirectoryLink | null> {
    return this.#d.linkOf(groupId)
  }

  /** The server's notice. Never throws: a change it refuses or fails is an `error` event. */
  received(n: DirectoryNotice): void {
    const c = this.#d.conversations.get(n.groupId)
    if (!c || c.meta.status !== 'active') return
    const removing = new Set(n.remove)
    const staying = leaves(c.state).filter((l) => !removing.has(l.userId))
    const rank = staying.findIndex((l) => l.leafIndex === ownLeafIndex(c.state))
    if (rank < 0) return
    setTimeout(() => {
      const prev = this.#busy.get(n.groupId) ?? Promise.resolve()
      const next = prev.then(() => this.#act(n)).catch((error: unknown) => this.#d.emit('error', { where: `following the directory in ${n.groupId}`, error }))
      this.#busy.set(n.groupId, next)
    }, rank * RANK_DELAY_MS)
  }

  /** Whether the key directory proves the person is of `org` and has a device. */
  async #ofOrg(userId: string, org: string): Promise<{ ours: boolean; gone: boolean }> {
    try {
      const e = await this.#d.directory.entry(userId, true)
      return { ours: e.org === org, gone: e.devices.length === 0 }
    } catch (e) {
      if (e instanceof CandorError && e.code === 'unknown_user') return { ours: false, gone: true }
      throw e
    }
  }

  async #act(n: DirectoryNotice): Promise<void> {
    const c = this.#d.conversations.get(n.groupId)
    if (!c || c.meta.status !== 'active') return
    const inTree = new Set(leaves(c.state).map((l) => l.userId))
    const wantAdd = n.add.filter((u) => !inTree.has(u))
    // A person with no device left is the server's removal proposal's (§5.7), not ours.
    const wantRemove = n.remove.filter((u) => inTree.has(u) && u !== this.#d.me.userId)
    if (wantAdd.length === 0 && wantRemove.length === 0) return
    const link = await this.#d.linkOf(n.groupId)
    if (!link || link.org !== n.org || link.scimGroupId !== n.scimGroupId) {
      this.#d.emit('error', { where: `a directory change for ${n.groupId} names a link the conversation does not have: refused`, error: new CandorError('forbidden', 'not a linked conversation') })
      return
    }
    const add: string[] = []
    const remove: string[] = []
    for (const u of wantAdd) {
      const p = await this.#ofOrg(u, n.org)
      if (p.ours && !p.gone) add.push(u)
      else if (!p.ours) this.#d.emit('error', { where: `the directory asked to add ${u}, who is not of ${n.org}: refused`, error: new CandorError('forbidden', 'not of the organisation') })
    }
    for (const u of wantRemove) {
      const p = await this.#ofOrg(u, n.org)
      if (p.ours && !p.gone) remove.push(u)
      else if (!p.ours) this.#d.emit('error', { where: `the directory asked to remove ${u}, who is not of ${n.org}: refused`, error: new CandorError('forbidden', 'not of the organisation') })
    }
    // The state may have moved while the directory was read: only what is still needed.
    const now = this.#d.conversations.get(n.groupId)
    if (!now || now.meta.status !== 'active') return
    const tree = new Set(leaves(now.state).map((l) => l.userId))
    const adding = add.filter((u) => !tree.has(u))
    const removingNow = remove.filter((u) => tree.has(u))
    if (removingNow.length > 0) await this.#d.remove(n.groupId, removingNow)
    if (adding.length > 0) await this.#d.add(n.groupId, adding)
    if (adding.length > 0 || removingNow.length > 0) {
      this.#d.emit('directory_members', { conversation: this.#d.conversations.conversationOf(n.groupId), org: n.org, scimGroupId: n.scimGroupId, displayName: n.displayName, added: adding, removed: removingNow })
    }
  }
}

// `client.archive`: the compliance archive seen from a device (docs/protocol.md §11). For a
// member: whether a conversation needs its organisation's archive, adding it there, the
// person's consent or refusal, and telling a recognised archive from one that is not. For the
// archive's own device: its announcement and the regular update of its own leaf.
import { CandorError, newMessageId, type OrgId } from '@candor/protocol'
import { leaves, ownLeafIndex } from '@candor/crypto'
import type { ClientEvents, Reader } from './client-types.ts'
import type { Conversations } from './conversations.ts'
import type { DeviceDirectory } from './directory.ts'
import type { Emitter } from './emitter.ts'
import type { GroupChanges } from './group-changes.ts'
import type { Outgoing } from './message-content.ts'
import type { ArchiveMembers, ArchiveStatus } from './data/archive-member.ts'

export interface ArchiveApiDeps {
  members: ArchiveMembers
  conversations: Conversations
  directory: DeviceDirectory
  groups: GroupChanges
  events: Pick<Emitter<ClientEvents>, 'on' | 'emit'>
  /** Conversation id (as the app names it) → group id. */
  group(conversation: string): string
  sendContent(groupId: string, content: Outgoing): Promise<number>
  consent(groupId: string, state: 'given' | 'withdrawn'): Promise<unknown>
  /** Add the organisation's archive automatically where the policy requires it (default true). */
  auto: boolean
}

export class ArchiveApi {
  readonly #d: ArchiveApiDeps

  constructor(deps: ArchiveApiDeps) {
    this.#d = deps
  }

  /** Whether the conversation needs the archive, which archive members it has (recognised or not), and this person's consent. */
  status(conversation: string): Promise<ArchiveStatus> {
    return this.#d.members.status(this.#d.group(conversation))
  }

  /** Adds the organisation's archive by a commit where the policy requires it; true when this device added it. */
  ensure(conversation: string): Promise<boolean> {
    return this.#d.members.ensure(this.#d.group(conversation))
  }

  /** ensure(), its failure an 'error' event rather than a throw (the conversation exists either way). */
  async ensureQuietly(groupId: string): Promise<void> {
    await this.#d.members.ensure(groupId).catch((error: unknown) => this.#d.events.emit('error', { where: 'adding the compliance archive', error }))
  }

  /** Records this person's consent to (or refusal of) the conversation's archive, signed by this device. */
  async consent(conversation: string, state: 'given' | 'withdrawn'): Promise<void> {
    await this.#d.consent(this.#d.group(conversation), state)
    this.#d.members.consentChanged()
  }

  /** Throws `forbidden` (details.reason archive_unrecognised | archive_consent_refused) when this person may not send there. */
  checkSend(conversation: string): Promise<void> {
    return this.#d.members.checkSend(this.#d.group(conversation))
  }

  /** For the archive's own device: "Archived by <org>, policy v<N>" to everyone in the conversation. */
  async announce(conversation: string, org: string, policyVersion: number): Promise<void> {
    await this.#d.sendContent(this.#d.group(conversation), { type: 'archive', id: newMessageId(), sentAt: Date.now(), org: org as OrgId, policyVersion } as unknown as Outgoing)
  }

  /** An MLS commit that only updates this device's own leaf (its path secrets change: §11.5). */
  async updateOwnLeaf(conversation: string): Promise<void> {
    await this.#d.groups.commit(this.#d.group(conversation), async () => ({ add: [], removeDevices: [], update: true }))
  }

  /** Readers with the kind the key directory proves, and for archives whether the policy names them. */
  async readers(conversation: string, readers: Reader[]): Promise<Reader[]> {
    const archives = await this.#d.members.archivesIn(this.#d.group(conversation))
    const byUser = new Map(archives.map((a) => [a.userId, a]))
    return readers.map((r) => {
      const a = byUser.get(r.userId)
      if (a) return { ...r, kind: 'archive' as const, recognised: a.recognised, ...(a.problem ? { problem: a.problem } : {}) }
      // Named like an archive but not one in the directory: shown as what the directory says.
      return r.kind === 'archive' ? { ...r, kind: 'person' as const } : r
    })
  }

  /** Watches conversations: where the policy requires the archive, one member's device adds it. */
  watch(): void {
    if (!this.#d.auto) return
    const { events, conversations } = this.#d
    events.on('conversation', ({ id, change }) => {
      if (change !== 'joined' && change !== 'members') return
      const c = conversations.get(id)
      if (!c || c.meta.status !== 'active') return
      // The lower this device's leaf, the sooner it tries: usually one member adds it, the others find it there.
      const rank = leaves(c.state).filter((l) => l.leafIndex < ownLeafIndex(c.state)).length
      setTimeout(() => {
        this.#d.members.ensure(id).catch((error: unknown) => {
          // Tried again at the next change; a closed client or a moving group is not worth an alert.
          if (error instanceof CandorError && (error.code === 'policy_invalid' || error.code === 'stale_epoch' || error.code === 'unavailable')) return
          events.emit('error', { where: 'adding the compliance archive', error })
        })
      }, Math.min(rank * 400, 5_000))
    })
  }
}

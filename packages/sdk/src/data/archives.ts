// Compliance archives as conversation members: the person adding or removing one signs their
// consent (or its withdrawal) first, every archive that appears in a conversation this device
// is in is announced once ('archive' event), and each such conversation can be listed with
// the person's own consent to its archive.
import type { ClientEvents, Reader } from '../client-types.ts'
import type { Conversations } from '../conversations.ts'
import type { Emitter } from '../emitter.ts'
import { leaves } from '@candor/crypto'
import { currentConsents, type LedgerEntry } from './consents.ts'

export function kindOf(userId: string): Reader['kind'] {
  if (userId.startsWith('archive.')) return 'archive'
  if (userId.startsWith('bot.')) return 'bot'
  return 'person'
}

function archivesIn(state: Parameters<typeof leaves>[0]): Set<string> {
  return new Set(leaves(state).map((l) => l.userId).filter((u) => kindOf(u) === 'archive'))
}

export interface ArchiveConsent {
  conversation: string
  archives: string[]
  consent: 'given' | 'withdrawn' | 'none'
}

export interface ComplianceArchivesDeps {
  conversations: Conversations
  /** The client's events: conversation changes are watched, new archives announced. */
  events: Pick<Emitter<ClientEvents>, 'on' | 'emit'>
  /** Signs and records this person's consent to (or withdrawal from) the archives of a conversation. */
  consent(conversation: string, state: 'given' | 'withdrawn'): Promise<unknown>
}

export class ComplianceArchives {
  readonly #d: ComplianceArchivesDeps
  /** Archive members known per conversation, so each new one is announced once. */
  readonly #known = new Map<string, Set<string>>()

  constructor(deps: ComplianceArchivesDeps) {
    this.#d = deps
  }

  /** Announces every archive member that appears in a conversation from now on. */
  watch(): void {
    const { conversations, events } = this.#d
    for (const c of conversations.list()) this.#known.set(c.meta.id, archivesIn(c.state))
    events.on('conversation', ({ id, change }) => {
      if (change !== 'joined' && change !== 'members') return
      const c = conversations.get(id)
      if (!c || c.meta.status !== 'active') return
      const known = this.#knownIn(id)
      const now = archivesIn(c.state)
      for (const a of now) if (!known.has(a)) events.emit('archive', { conversation: id, userId: a })
      this.#known.set(id, now)
    })
  }

  /** Before adding (or removing) users: the person signs their consent (or its withdrawal) if any is an archive. */
  async beforeChange(conversation: string, userIds: readonly string[], state: 'given' | 'withdrawn'): Promise<void> {
    const archives = userIds.filter((u) => kindOf(u) === 'archive')
    if (archives.length === 0) return
    await this.#d.consent(conversation, state)
    // This device added it: the person knows, no need to announce it back to them.
    if (state === 'given') for (const a of archives) this.#knownIn(conversation).add(a)
  }

  /** Every active conversation with an archive member, with this person's latest consent to it in the ledger. */
  consents(ledger: readonly LedgerEntry[]): ArchiveConsent[] {
    const current = currentConsents(ledger).filter((r) => r.purpose === 'compliance_archive')
    const out: ArchiveConsent[] = []
    for (const c of this.#d.conversations.list()) {
      if (c.meta.status !== 'active') continue
      const archives = archivesIn(c.state)
      if (archives.size === 0) continue
      const mine = current.find((r) => r.scope === c.meta.id)
      out.push({ conversation: c.meta.id, archives: [...archives].sort(), consent: mine?.state ?? 'none' })
    }
    return out
  }

  #knownIn(conversation: string): Set<string> {
    let set = this.#known.get(conversation)
    if (!set) this.#known.set(conversation, (set = new Set()))
    return set
  }
}

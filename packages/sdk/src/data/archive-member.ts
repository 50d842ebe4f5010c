// The compliance archive as a visible member (docs/protocol.md §11.2–§11.3): which conversations
// this person's organisation's verified policy says need its archive, adding the archive there
// by an ordinary MLS commit, telling a recognised archive (named by that policy, its directory
// entry of kind `archive`) from one that is not, and refusing to send where an unrecognised
// archive is a member or where the person refused their consent to the archive. An archive is
// recognised only while the policy's archive key is one the organisation's compliance officers'
// key ceremony published (archive-key-check.ts): else it is not added, and no one sends there.
import { CandorError, archivePolicyOf, type ArchivePolicy } from '@candor/protocol'
import { epochOf, leaves } from '@candor/crypto'
import type { Conversations } from '../conversations.ts'
import type { DeviceDirectory, ProvenEntry } from '../directory.ts'
import type { VerifiedPolicy } from './org-policy-verify.ts'
import { currentConsents, type LedgerEntry } from './consents.ts'
import type { ArchiveKeyVerdict } from './archive-key-check.ts'

const POLICY_TTL_MS = 30_000
/** Directory lookups in flight at once while judging a group's members. */
const JUDGE_AT_ONCE = 8
const CONSENT_TTL_MS = 30_000

export interface ArchiveMember {
  userId: string
  /** Named by this person's organisation's verified policy, with an archive key its officers' ceremony published. */
  recognised: boolean
  org: string | null
  /** Why it is not recognised: not named by the policy, or named with a key no ceremony published. */
  problem?: 'not_named' | 'key_unproven'
  /** For key_unproven: the sentence saying why. */
  reason?: string
}

export interface ArchiveStatus {
  /** The policy of this person's organisation requires an archive here. */
  required: boolean
  /** The archive the policy names, and its organisation's policy version. */
  account: string | null
  org: string
  policyVersion: number
  /** Archive-kind members (from the key directory), recognised or not. */
  archives: ArchiveMember[]
  /** This person's latest consent to the archive of this conversation. */
  consent: 'given' | 'withdrawn' | 'none'
}

export interface ArchiveMembersDeps {
  conversations: Conversations
  directory: DeviceDirectory
  me: { userId: string }
  /** This person's organisation's verified policy (throws policy_invalid when it does not check out). */
  policy(): Promise<VerifiedPolicy>
  ledger(): Promise<LedgerEntry[]>
  /** Adds users by a commit (and tells the members), as addMembers does. */
  add(groupId: string, userIds: readonly string[]): Promise<void>
  /** Whether the policy's archive key is one the organisation's key ceremony published (ArchiveKeyCheck). */
  archiveKey(org: string, archiveKey: string | null): Promise<ArchiveKeyVerdict>
}

export class ArchiveMembers {
  readonly #d: ArchiveMembersDeps
  #policy: { at: number; p: Promise<VerifiedPolicy> } | undefined
  #ledger: { at: number; p: Promise<LedgerEntry[]> } | undefined
  /** Archive members per conversation, by epoch (the tree changes only with the epoch). */
  readonly #byEpoch = new Map<string, { epoch: number; members: Promise<ArchiveMember[]> }>()

  constructor(deps: ArchiveMembersDeps) {
    this.#d = deps
  }

  /** Forget the cached ledger (after this device recorded a consent). */
  consentChanged(): void {
    this.#ledger = undefined
  }

  async #verifiedPolicy(): Promise<VerifiedPolicy> {
    if (!this.#policy || Date.now() - this.#policy.at > POLICY_TTL_MS) {
      const p = this.#d.policy()
      this.#policy = { at: Date.now(), p }
      p.catch(() => (this.#policy = undefined))
    }
    return this.#policy.p
  }

  async #consent(groupId: string): Promise<'given' | 'withdrawn' | 'none'> {
    if (!this.#ledger || Date.now() - this.#ledger.at > CONSENT_TTL_MS) {
      const p = this.#d.ledger()
      this.#ledger = { at: Date.now(), p }
      p.catch(() => (this.#ledger = undefined))
    }
    const mine = currentConsents(await this.#ledger.p).find((r) => r.purpose === 'compliance_archive' && r.scope === groupId)
    return mine?.state ?? 'none'
  }

  /** Archive-kind members of the group, each judged against this person's organisation's verified policy. */
  async archivesIn(groupId: string): Promise<ArchiveMember[]> {
    const c = this.#d.conversations.get(groupId)
    if (!c) return []
    const epoch = epochOf(c.state)
    const hit = this.#byEpoch.get(groupId)
    if (hit && hit.epoch === epoch) return hit.members
    const members = this.#judge([...new Set(leaves(c.state).map((l) => l.userId))])
    this.#byEpoch.set(groupId, { epoch, members })
    members.catch(() => this.#byEpoch.delete(groupId))
    return members
  }

  async #judge(userIds: string[]): Promise<ArchiveMember[]> {
    const out: ArchiveMember[] = []
    let policy: VerifiedPolicy | null = null
    // Every member's entry is looked up, JUDGE_AT_ONCE at a time: after a reset, a device's first
    // message waits for this, and one round trip after another for a group of 50 is seconds.
    const others = userIds.filter((u) => u !== this.#d.me.userId)
    const entries: ProvenEntry[] = []
    let next = 0
    const worker = async (): Promise<void> => {
      for (let i = next++; i < others.length; i = next++) entries[i] = await this.#d.directory.entry(others[i]!)
    }
    await Promise.all(Array.from({ length: Math.min(JUDGE_AT_ONCE, others.length) }, worker))
    for (const [i, u] of others.entries()) {
      const entry = entries[i]!
      if (entry.kind !== 'archive') continue
      policy ??= await this.#verifiedPolicy().catch(() => null)
      const a = policy === null ? null : archivePolicyOf(policy.policy)
      const named = policy !== null && entry.org === policy.org && a?.account === u
      if (!named) {
        out.push({ userId: u, recognised: false, org: entry.org, problem: 'not_named' })
        continue
      }
      const key = await this.#d.archiveKey(entry.org!, a!.archiveKey)
      out.push(key.proven ? { userId: u, recognised: true, org: entry.org } : { userId: u, recognised: false, org: entry.org, problem: 'key_unproven', reason: key.reason })
    }
    return out
  }

  /** Whether this person's organisation's policy requires its archive in the group (§11.2). */
  async #required(groupId: string, a: ArchivePolicy, org: string): Promise<boolean> {
    if (a.required === 'none' || a.account === null) return false
    if (a.required === 'all') return true
    const c = this.#d.conversations.get(groupId)
    if (!c) return false
    const users = [...new Set(leaves(c.state).map((l) => l.userId))]
    if (a.required === 'listed') return users.some((u) => a.people.includes(u))
    // external: someone of another organisation (or a guest) is a member; the archive itself does not count.
    for (const u of users) {
      if (u === a.account) continue
      if ((await this.#d.directory.entry(u)).org !== org) return true
    }
    return false
  }

  async status(groupId: string): Promise<ArchiveStatus> {
    const policy = await this.#verifiedPolicy()
    const a = archivePolicyOf(policy.policy)
    return {
      required: await this.#required(groupId, a, policy.org),
      account: a.account,
      org: policy.org,
      policyVersion: policy.version,
      archives: await this.archivesIn(groupId),
      consent: await this.#consent(groupId),
    }
  }

  /**
   * Adds the organisation's archive where its policy requires it and it is not a member yet;
   * true when this device added it. Any member's device may do it; the first commit wins and the
   * others find it there.
   */
  async ensure(groupId: string): Promise<boolean> {
    const c = this.#d.conversations.get(groupId)
    if (!c || c.meta.status !== 'active') return false
    const policy = await this.#verifiedPolicy()
    const a = archivePolicyOf(policy.policy)
    if (a.account === null || !(await this.#required(groupId, a, policy.org))) return false
    if (leaves(c.state).some((l) => l.userId === a.account)) return false
    const key = await this.#d.archiveKey(policy.org, a.archiveKey)
    if (!key.proven) {
      throw new CandorError('forbidden', `not adding ${a.account}: ${key.reason}`, { details: { reason: 'archive_key_unproven', archive: a.account } })
    }
    await this.#d.add(groupId, [a.account])
    return true
  }

  /** Throws `forbidden` when this person may not send in the group (§11.2, §11.3). */
  async checkSend(groupId: string): Promise<void> {
    const archives = await this.archivesIn(groupId)
    if (archives.length === 0) return
    const stranger = archives.find((x) => !x.recognised)
    if (stranger?.problem === 'key_unproven') {
      throw new CandorError('forbidden', `${stranger.userId} seals to an archive key that is not split among your organisation's compliance officers (${stranger.reason}); not sending here`, {
        details: { reason: 'archive_key_unproven', archive: stranger.userId },
      })
    }
    if (stranger) {
      throw new CandorError('forbidden', `${stranger.userId} is an archive that your organisation's verified policy does not name; not sending here until it is removed`, {
        details: { reason: 'archive_unrecognised', archive: stranger.userId },
      })
    }
    if ((await this.#consent(groupId)) === 'withdrawn') {
      throw new CandorError('forbidden', 'you refused your consent to this conversation\'s compliance archive; your organisation\'s policy does not let you send here', {
        details: { reason: 'archive_consent_refused' },
      })
    }
  }
}

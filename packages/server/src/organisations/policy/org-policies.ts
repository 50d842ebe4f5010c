// Each organisation's signed, versioned policy (docs/organisations.md §Policies). Setting one
// writes its `policy.set` audit entry first (naming the version and the note's digest), then
// stores the signed note; what the server enforces reads the latest version (or the defaults).
import {
  CandorError,
  DEFAULT_ORG_POLICY,
  orgPolicyKeyName,
  parsePolicyNoteText,
  policyDigest,
  policyNoteText,
  type OrgId,
  type OrgPolicy,
  type OrgPolicyResponse,
} from '@candor/protocol'
import type { AdminRecord, Store } from '@candor/ports'
import { parseNote } from '@candor/transparency'
import type { OrgAuditLog } from '../audit/org-audit-log.ts'

export class OrgPolicies {
  readonly #store: Store
  readonly #audit: OrgAuditLog
  readonly #now: () => number

  constructor(store: Store, audit: OrgAuditLog, now: () => number = Date.now) {
    this.#store = store
    this.#audit = audit
    this.#now = now
  }

  /** The policy in force in the organisation: its latest version, or the defaults. */
  async current(org: OrgId): Promise<OrgPolicy> {
    const rec = await this.#store.governance().policyVersion(org, null)
    // No version yet: the defaults, with what the former contact-policy route stored.
    if (!rec) return { ...DEFAULT_ORG_POLICY, contacts: { ...DEFAULT_ORG_POLICY.contacts, requestsInside: await this.#store.contacts().requestsInsideOrg(org) } }
    // The note is ours; its text was checked when it was made.
    const text = parseNote(rec.note)?.text
    return (text !== undefined ? parsePolicyNoteText(text)?.policy : undefined) ?? DEFAULT_ORG_POLICY
  }

  /** Makes `policy` the organisation's next version: audit entry first, then the signed note. */
  async set(admin: AdminRecord, org: OrgId, policy: OrgPolicy): Promise<OrgPolicyResponse> {
    const latest = await this.#store.governance().policyVersion(org, null)
    const version = (latest?.version ?? 0) + 1
    const since = this.#now()
    const text = policyNoteText(org, version, since, policy)
    const note = this.#audit.signNote(text, orgPolicyKeyName(org))
    const { index } = await this.#audit.record(org, { kind: 'admin', admin }, 'policy.set', `org:${org}`, { version, digest: policyDigest(text) })
    const ok = await this.#store.governance().appendPolicyVersion({ org, version, note, auditIndex: index, createdBy: admin.userId, createdAt: since })
    if (!ok) throw new CandorError('conflict', 'another admin set the policy at the same time; read it and try again')
    // What the server keeps elsewhere follows the policy.
    await this.#store.contacts().setRequestsInsideOrg(org, policy.contacts.requestsInside)
    return this.served(org)
  }

  /** The latest version as served: the signed note and its audit entry's inclusion proof. */
  async served(org: OrgId): Promise<OrgPolicyResponse> {
    const rec = await this.#store.governance().policyVersion(org, null)
    if (!rec) return { org, version: 0, since: 0, note: null, proof: null }
    const proof = await this.#audit.prove(org, rec.auditIndex)
    return { org, version: rec.version, since: rec.createdAt, note: rec.note, proof: proof && { index: rec.auditIndex, ...proof } }
  }
}

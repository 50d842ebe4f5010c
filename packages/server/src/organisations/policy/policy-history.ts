// Past versions of an organisation's policy, as served to its admins (the console's diff between
// versions): each one its signed note and the inclusion proof of its `policy.set` audit entry, so
// the client checks a past version exactly as it checks the current one.
import type { OrgId, OrgPolicyResponse, OrgPolicyVersions } from '@candor/protocol'
import type { Store } from '@candor/ports'
import type { OrgAuditLog } from '../audit/org-audit-log.ts'

/** The most versions listed at once (newest first). */
export const POLICY_VERSIONS_LISTED = 200

export async function policyVersions(store: Store, org: OrgId): Promise<OrgPolicyVersions> {
  const latest = await store.governance().policyVersion(org, null)
  const versions: OrgPolicyVersions['versions'] = []
  for (let v = latest?.version ?? 0; v >= 1 && versions.length < POLICY_VERSIONS_LISTED; v--) {
    const rec = v === latest!.version ? latest! : await store.governance().policyVersion(org, v)
    if (rec) versions.push({ version: rec.version, since: rec.createdAt, createdBy: rec.createdBy, auditIndex: rec.auditIndex })
  }
  return { org, versions }
}

/** Version `version` as served (with its proof), or null when the organisation has no such version. */
export async function servedPolicyVersion(store: Store, audit: OrgAuditLog, org: OrgId, version: number): Promise<OrgPolicyResponse | null> {
  const rec = await store.governance().policyVersion(org, version)
  if (!rec) return null
  const proof = await audit.prove(org, rec.auditIndex)
  return { org, version: rec.version, since: rec.createdAt, note: rec.note, proof: proof && { index: rec.auditIndex, ...proof } }
}

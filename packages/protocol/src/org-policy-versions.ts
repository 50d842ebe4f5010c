// The history of an organisation's policy (docs/organisations.md §Policies, protocol.md §8.2):
// the list of its versions, and the difference between two of them (computed by clients from
// two versions whose signatures and audit-log proofs they checked — the server's word is not it).
import { z } from 'zod'
import type { OrgPolicy } from './org-policy.ts'

export const orgPolicyVersionsResponse = z.strictObject({
  org: z.string(),
  /** Newest first; empty when the organisation has set none (the defaults, version 0, apply). */
  versions: z.array(
    z.strictObject({
      version: z.number().int().positive(),
      since: z.number().int().nonnegative(),
      createdBy: z.string(),
      auditIndex: z.number().int().nonnegative(),
    }),
  ),
})
export type OrgPolicyVersions = z.infer<typeof orgPolicyVersionsResponse>

/** One field that differs between two policies: its dotted path and both values. */
export interface PolicyChange {
  path: string
  before: unknown
  after: unknown
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The fields that differ from `before` to `after`, in the policy's field order (arrays compared whole). */
export function policyDiff(before: OrgPolicy, after: OrgPolicy): PolicyChange[] {
  const out: PolicyChange[] = []
  const walk = (a: unknown, b: unknown, path: string) => {
    if (isRecord(a) && isRecord(b)) {
      const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))]
      for (const k of keys) walk(a[k], b[k], path ? `${path}.${k}` : k)
      return
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, before: a, after: b })
  }
  walk(before, after, '')
  return out
}

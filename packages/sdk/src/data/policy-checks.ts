// What the client enforces of its organisation's policy (docs/organisations.md "Policies"):
// `attachments.allowedTypes` — the server sees only ciphertext, so the sending client refuses a
// file whose media type the policy does not list (empty list: any type; `image/*` matches a
// whole top-level type).
import { CandorError, type OrgPolicy } from '@candor/protocol'

export function typeAllowed(allowed: readonly string[], type: string): boolean {
  if (allowed.length === 0) return true
  const t = type.trim().toLowerCase()
  return allowed.some((a) => (a.endsWith('/*') ? t.startsWith(a.slice(0, -1)) : a === t))
}

export function checkAttachmentType(policy: OrgPolicy, type: string): void {
  if (!typeAllowed(policy.attachments.allowedTypes, type)) {
    throw new CandorError('forbidden', `your organisation's policy does not allow sending ${type} files (allowed: ${policy.attachments.allowedTypes.join(', ')})`, {
      details: { policy: true },
    })
  }
}

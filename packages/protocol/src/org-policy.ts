// An organisation's policy (docs/organisations.md §Policies; protocol.md §8.2): one document per
// organisation, versioned; each version is a C2SP signed note (the access log's key, under the
// name `candor/org-policy/<org>`) whose digest is in a `policy.set` entry of the organisation's
// audit log, so a member's client can show which policy applies and since when, and refuses one
// whose signature or log proof fails.
import { sha256 } from '@noble/hashes/sha2.js'
import { z } from 'zod'
import { toBase64Url, utf8 } from './bytes.ts'
import { orgIdSchema } from './organisations.ts'
import { LIMITS } from './limits.ts'
import { publicKeySchema, userIdSchema } from './field-schemas.ts'

/** The sensitive actions a policy may put under two-person control. */
export const APPROVABLE_ACTIONS = ['users.read', 'users.export', 'devices.suspend', 'notices.delay'] as const
export type ApprovableAction = (typeof APPROVABLE_ACTIONS)[number]

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,63})$/

/**
 * Why `retention.legalHoldOverrides` is gone (docs/protocol.md §4.9): either value could only
 * weaken a hold. A legal hold always overrides retention, timers and erasure in the archive.
 */
export const LEGAL_HOLD_OVERRIDES_REMOVED =
  'retention.legalHoldOverrides was removed from the policy format (docs/protocol.md §4.9): a legal hold always overrides retention, timers and erasure in the archive; leave the field out'

const retentionFields = {
  /** Bounds on disappearing-message timers (seconds; null: none). */
  minSeconds: z.number().int().min(5).max(31_536_000).nullable(),
  maxSeconds: z.number().int().min(5).max(31_536_000).nullable(),
  disappearingAllowed: z.boolean(),
}

/** What a new version may say about retention: the removed field is refused by name. */
const retentionSchema = z
  .strictObject({ ...retentionFields, legalHoldOverrides: z.unknown().optional() })
  .superRefine((r, c) => {
    if ('legalHoldOverrides' in r) c.addIssue({ code: 'custom', path: ['legalHoldOverrides'], message: LEGAL_HOLD_OVERRIDES_REMOVED })
  })
  .transform(({ legalHoldOverrides: _, ...r }) => r)

/** What a stored version (a signed note) may say: versions made before the removal carry the field, which is dropped. */
const storedRetentionSchema = z.strictObject({ ...retentionFields, legalHoldOverrides: z.boolean().optional() }).transform(({ legalHoldOverrides: _, ...r }) => r)

function policyShape<R extends z.ZodType>(retention: R) {
  return z.strictObject({
    /** Who may talk to whom. */
    contacts: z.strictObject({
      /** `members`: people of the organisation only; `partners`: and people of the listed organisations; `anyone`. */
      scope: z.enum(['members', 'partners', 'anyone']),
      partners: z.array(orgIdSchema).max(100),
      /** Guests the organisation hosts: allowed, and for how long after sign-up (days; null: no expiry). */
      guests: z.strictObject({ allowed: z.boolean(), expiryDays: z.number().int().min(1).max(3650).nullable() }),
      /** Whether people of the organisation need a contact request to reach each other (the former contact-policy route). */
      requestsInside: z.boolean(),
    }),
    /** Bounds on disappearing-message timers. A legal hold always overrides them in the archive (docs/protocol.md §11.10). */
    retention,
    devices: z.strictObject({
      maxPerPerson: z.number().int().min(1).max(100),
      adminApproval: z.boolean(),
      revokeAfterDaysUnseen: z.number().int().min(1).max(3650).nullable(),
    }),
    sso: z.strictObject({ required: z.boolean(), reauthMinutes: z.number().int().min(5).max(43_200) }),
    /** Whether a person may export or delete their account at will, or after an admin's approval (they are told which). */
    dataRights: z.strictObject({ export: z.enum(['allowed', 'approval']), deletion: z.enum(['allowed', 'approval']) }),
    attachments: z.strictObject({
      maxBytes: z.number().int().min(1).max(4 * 1024 ** 3),
      /** MIME types (`image/*` allowed); empty: any. */
      allowedTypes: z.array(z.string().regex(MIME, 'a MIME type')).max(100),
      /** How long attachments stay on the server at most (days; absent: the server's retention, docs/protocol.md §2.4). */
      retentionDays: z.number().int().min(1).max(3650).optional(),
    }),
    /**
     * Which conversations a compliance archive must keep (docs/protocol.md §11.2): none, those with
     * people outside, all, or those with a listed person; and which account is the archive, with
     * the public half of the archive key its records are sealed to.
     */
    archive: z.strictObject({
      required: z.enum(['none', 'external', 'all', 'listed']),
      account: userIdSchema.nullable().optional(),
      /** X25519 public key, 32 bytes base64url. */
      archiveKey: publicKeySchema.nullable().optional(),
      /** SCIM group names the admin chose (kept for the record; the server expands them into `people`). */
      groups: z.array(z.string().min(1).max(256)).max(100).optional(),
      people: z.array(userIdSchema).max(10_000).optional(),
      /** How long the archive keeps a record at most (days; absent: until its timer, if any). Legal holds keep records past it (§11.12). */
      retentionDays: z.number().int().min(1).max(36_500).optional(),
    }),
    /** Sensitive actions that need a second admin's approval, and how long an approval stays good. */
    approvals: z.strictObject({ required: z.array(z.enum(APPROVABLE_ACTIONS)).max(APPROVABLE_ACTIONS.length), validHours: z.number().int().min(1).max(720) }),
  })
}

/** A policy as an admin sets it (a new version): the one parser of new versions. */
export const orgPolicySchema = policyShape(retentionSchema)
/** A policy as a signed version says it (parsePolicyNoteText): also the versions made before a field was removed. */
const storedOrgPolicySchema = policyShape(storedRetentionSchema)
export type OrgPolicy = z.output<typeof orgPolicySchema>

/** What an organisation without a policy of its own gets (the server-wide limits; what a first version starts from). */
export const DEFAULT_ORG_POLICY: OrgPolicy = {
  contacts: { scope: 'anyone', partners: [], guests: { allowed: true, expiryDays: null }, requestsInside: false },
  retention: { minSeconds: null, maxSeconds: null, disappearingAllowed: true },
  devices: { maxPerPerson: LIMITS.devicesPerUser, adminApproval: false, revokeAfterDaysUnseen: null },
  sso: { required: false, reauthMinutes: 43_200 },
  dataRights: { export: 'allowed', deletion: 'allowed' },
  attachments: { maxBytes: LIMITS.blobBytes, allowedTypes: [] },
  archive: { required: 'none' },
  approvals: { required: [], validHours: 24 },
}

/** The signed note's name (and key name) for an organisation's policy. */
export const orgPolicyKeyName = (org: string): string => `candor/org-policy/${org}`

const HEADER = 'candor/org-policy/v1'

/** The note text of a policy version: header, org, version, since (ms), the policy's JSON. */
export function policyNoteText(org: string, version: number, since: number, policy: OrgPolicy): string {
  return `${HEADER}\n${org}\n${version}\n${since}\n${JSON.stringify(policy)}\n`
}

/** Parses a policy note's text (already opened); null when it is not one. */
export function parsePolicyNoteText(text: string): { org: string; version: number; since: number; policy: OrgPolicy } | null {
  const lines = text.split('\n')
  if (lines.length !== 6 || lines[0] !== HEADER || lines[5] !== '') return null
  const [org, v, since, json] = [lines[1]!, lines[2]!, lines[3]!, lines[4]!]
  if (!/^[1-9][0-9]{0,8}$/.test(v) || !/^[0-9]{1,15}$/.test(since)) return null
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch {
    return null
  }
  const p = storedOrgPolicySchema.safeParse(raw)
  return p.success ? { org, version: Number(v), since: Number(since), policy: p.data } : null
}

/** SHA-256 of a policy note's text (signatures left out), base64url: what its audit entry names. */
export function policyDigest(text: string): string {
  return toBase64Url(sha256(utf8(text)))
}

export const orgPolicyResponse = z.strictObject({
  org: z.string(),
  version: z.number().int().nonnegative(),
  since: z.number().int().nonnegative(),
  /** The signed note; null (with version 0) when the organisation has set no policy: the defaults apply. */
  note: z.string().nullable(),
  /** The `policy.set` entry of the audit log and its inclusion proof against a signed checkpoint. */
  proof: z
    .strictObject({ index: z.number().int().nonnegative(), entry: z.string(), path: z.array(z.string()).max(64), checkpoint: z.string() })
    .nullable(),
})
export type OrgPolicyResponse = z.infer<typeof orgPolicyResponse>

/** `GET /v1/organisation` (protocol.md §4.9): the person's organisation and its `org.create` entry, proven. */
export const ownOrganisationResponse = z.strictObject({
  /** Null for a person of no organisation. */
  org: z.string().nullable(),
  created: z
    .strictObject({ index: z.literal(0), entry: z.string(), path: z.array(z.string()).max(64), checkpoint: z.string() })
    .nullable(),
})
export type OwnOrganisationResponse = z.infer<typeof ownOrganisationResponse>

export const approvalRequestSchema = z.strictObject({
  action: z.enum(['users.read', 'users.export', 'devices.suspend']),
  /** The person (users.*) or device (devices.suspend). */
  target: z.string().min(1).max(300),
  why: z.string(),
  case: z.string(),
  delayUntil: z.number().int().optional(),
})
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>

export const approvalInfoSchema = z.strictObject({
  id: z.string(),
  org: z.string(),
  action: z.string(),
  target: z.string(),
  reason: z.strictObject({ why: z.string(), case: z.string(), delayUntil: z.number().optional() }),
  requestedBy: z.string(),
  requestedAt: z.number(),
  expiresAt: z.number(),
  state: z.enum(['pending', 'approved', 'executed', 'withdrawn']),
  approvedBy: z.string().nullable(),
  approvedAt: z.number().nullable(),
  executedAt: z.number().nullable(),
})
export type ApprovalInfo = z.infer<typeof approvalInfoSchema>
export const approvalListSchema = z.strictObject({ approvals: z.array(approvalInfoSchema) })

/** The archive part of a policy, absent fields read as none (docs/protocol.md §11.2). */
export interface ArchivePolicy {
  required: 'none' | 'external' | 'all' | 'listed'
  account: string | null
  archiveKey: string | null
  people: string[]
  /** The archive's retention (days), null: none (records go only when their timer runs out). */
  retentionDays: number | null
}

export function archivePolicyOf(policy: OrgPolicy): ArchivePolicy {
  const a = policy.archive
  return { required: a.required, account: a.account ?? null, archiveKey: a.archiveKey ?? null, people: [...(a.people ?? [])], retentionDays: a.retentionDays ?? null }
}

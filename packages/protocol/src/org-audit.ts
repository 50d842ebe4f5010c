// An organisation's audit trail (docs/organisations.md §Audit trail; protocol.md §8.1): every
// admin action on the organisation is one leaf of its own RFC 9162 log, whose checkpoints the
// server signs with the access log's key under the origin `candor/org-audit/<org>`. A leaf is the
// UTF-8 JSON text of one entry, exactly as served.
import { z } from 'zod'
import { base64UrlLength, parseFixedBytes } from './binary-fields.ts'
import { stringField } from './field-schemas.ts'

export const AUDIT_ACTIONS = [
  'org.create',
  'domain.add',
  'signup.set',
  'role.grant',
  'role.revoke',
  'sso.set',
  'scim_token.create',
  'scim_token.revoke',
  'scim.deprovision',
  'user.read',
  'user.export',
  'device.suspend',
  'contact_policy.set',
  'policy.set',
  'siem.set',
  'approval.request',
  'approval.approve',
  'approval.decline',
  'compliance.keys',
  'compliance.request',
  'compliance.approve',
  'compliance.open',
  'compliance.export',
  'hold.place',
  'hold.release',
  'device.approve',
  'device.decline',
  'device.revoke_unseen',
  'guest.expire',
  'data_rights.request',
  'account.erase',
  'data_rights.withdraw',
  'directory.link',
  'directory.unlink',
  'directory.members',
] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]

/** The origin (and note key name) of an organisation's audit log. */
export const orgAuditOrigin = (org: string): string => `candor/org-audit/${org}`

export const auditEntrySchema = z.strictObject({
  v: z.literal(1),
  org: z.string(),
  at: z.number().int(),
  /** Who acted: an admin (their user id and role), a SCIM token (its id), the server applying the policy (`policy`, id the sweep), or a person about themself (`person`). */
  actor: z.strictObject({ kind: z.enum(['admin', 'scim', 'policy', 'person']), id: z.string(), role: z.string().nullable() }),
  action: z.enum(AUDIT_ACTIONS),
  /** What it touched (`user:…`, `device:…`, `token:…`, `approval:…`, the organisation). */
  target: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
})
export type AuditEntry = z.infer<typeof auditEntrySchema>

const hash32 = stringField((v, field) => parseFixedBytes(v, field, 32) as string, base64UrlLength(32))

export const orgAuditResponse = z.strictObject({
  org: z.string(),
  /** The log's verifier key (also derivable from the pinned access-log key: same key, this origin). */
  verifierKey: z.string(),
  /** A signed checkpoint; every proof below is against it. */
  checkpoint: z.string(),
  entries: z.array(z.strictObject({ index: z.number().int().nonnegative(), entry: z.string(), proof: z.array(hash32).max(64) })),
  /** The next index to ask for, or null at the checkpoint's end. */
  next: z.number().int().nonnegative().nullable(),
})
export type OrgAuditResponse = z.infer<typeof orgAuditResponse>

/** Where an organisation's trail is streamed. Certificates are PEM; `ca` trusts a private CA. */
export const siemSettingsSchema = z.strictObject({
  syslog: z
    .strictObject({
      host: z.string().min(1).max(253),
      port: z.number().int().min(1).max(65535),
      /** TLS (RFC 5425) unless false; plain TCP (RFC 6587 octet counting) is for a loopback collector only. */
      tls: z.boolean().default(true),
      ca: z.string().max(65536).optional(),
    })
    .optional(),
  webhook: z
    .strictObject({
      url: z.string().max(2048).refine((u) => /^https:\/\//.test(u), 'the webhook must be https://'),
      ca: z.string().max(65536).optional(),
    })
    .optional(),
})
export type SiemSettings = z.infer<typeof siemSettingsSchema>
/** How one SIEM destination has fared on this node since it started (protocol.md §4.8). */
export const siemDeliverySchema = z.strictObject({
  /** `host:port` of the syslog collector, or the webhook's URL. */
  target: z.string(),
  /** The highest index the destination accepted, null before the first. */
  lastDelivered: z.number().int().nonnegative().nullable(),
  lastDeliveredAt: z.number().int().nullable(),
  /** The last failure's message, null before the first. */
  lastError: z.string().max(300).nullable(),
  lastErrorAt: z.number().int().nullable(),
  /** Entries waiting for their next try. */
  retrying: z.number().int().nonnegative(),
  /** Entries given up on after every try (they stay in the log). */
  failed: z.number().int().nonnegative(),
})
export type SiemDelivery = z.infer<typeof siemDeliverySchema>
export const siemSettingsResponse = z.strictObject({
  org: z.string(),
  siem: siemSettingsSchema.nullable(),
  /** Per destination set now (null: not set); GET only. */
  delivery: z.strictObject({ syslog: siemDeliverySchema.nullable(), webhook: siemDeliverySchema.nullable() }).optional(),
})
export type SiemSettingsAnswer = z.infer<typeof siemSettingsResponse>
export type SiemSettingsInput = z.input<typeof siemSettingsSchema>

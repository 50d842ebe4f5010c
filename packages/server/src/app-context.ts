// Everything a request handler needs, built once from the configuration.
import type { BlobStore, Store, Bus } from '@candor/ports'
import type { TokenIssuer } from './auth/tokens.ts'
import type { Logger } from './logger.ts'
import type { DeliveryService } from './delivery/delivery-service.ts'
import type { GroupRoster } from './delivery/group-roster.ts'
import type { RateLimiter } from './rate-limit.ts'
import type { RecoveryLimits } from './recovery-limits.ts'
import type { EnrolmentLimits } from './enrolment-limits.ts'
import type { KeyPackageClaims } from './key-package-claims.ts'
import type { Metrics } from './metrics.ts'
import type { DirectoryService } from './directory/directory-service.ts'
import type { AccessGate } from './access/access-gate.ts'
import type { Admins } from './access/admins.ts'
import type { RetentionPolicy } from './access/retention-policy.ts'
import type { Sessions } from './auth/sessions.ts'
import type { RelyingParty } from './organisations/sso/relying-party.ts'
import type { SsoSecrets } from './organisations/sso/sso-secrets.ts'
import type { ContactGate, NotifyUser } from './contacts/contact-gate.ts'
import type { OrgAuditLog } from './organisations/audit/org-audit-log.ts'
import type { SiemStream } from './organisations/audit/siem-stream.ts'
import type { OrgPolicies } from './organisations/policy/org-policies.ts'
import type { Approvals } from './organisations/policy/approvals.ts'
import type { ServerSenderKeys } from './mls/server-sender.ts'

export interface AppContext {
  store: Store
  bus: Bus
  tokens: TokenIssuer
  /** Ends devices' live sessions on every node (revocation, suspension, erasure). */
  sessions: Sessions
  log: Logger
  delivery: DeliveryService
  roster: GroupRoster
  sendLimiter: RateLimiter
  httpLimiter: RateLimiter
  /** Per-member budgets for commits, resets and reports (recovery-limits.ts). */
  recoveryLimits: RecoveryLimits
  /** Limits on enrolment requests (filed without a session) and the clock of their expiry. */
  enrolments: EnrolmentLimits
  /** Bounds on claims of others' key packages (per claimer and target; one-time per target). */
  claims: KeyPackageClaims
  metrics: Metrics
  directory: DirectoryService
  /** The one gate for access to a person's data by non-participants (writes receipts first). */
  access: AccessGate
  /** Admin records and the first admin's one-time enrolment. */
  admins: Admins
  /** Bounds on disappearing-message timers (an organisation's policy plugs in here). */
  retention: RetentionPolicy
  /** Where attachment ciphertext lives; without one the blob routes answer `unavailable`. */
  blobs: BlobStore | undefined
  /** Each user's attachment storage quota and how long an upload may stay incomplete. */
  blobPolicy: { quotaBytes: number; uploadTtlMs: number; retentionMs: number }
  /** Single sign-on: the relying party (flows under way on this node) and the keys of client secrets and tickets. */
  sso: { rp: RelyingParty; secrets: SsoSecrets }
  /** Consent to be contacted: who needs a request, held deliveries, blocks (contacts/contact-gate.ts). */
  contacts: ContactGate
  /** Tells a user's connected active devices about an event. */
  notifyUser: NotifyUser
  /** Each organisation's audit trail: every admin action, logged before it takes effect. */
  audit: OrgAuditLog
  /** Streams audit entries to each organisation's SIEM. */
  siem: SiemStream
  /** Each organisation's signed, versioned policy. */
  policies: OrgPolicies
  /** Two-person control of sensitive actions, where the policy asks for it. */
  approvals: Approvals
  /** The server's MLS external-sender key (mls/server-sender.ts): it proposes removing gone people. */
  mlsSender: ServerSenderKeys
}

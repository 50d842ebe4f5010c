// What each admin role may do: the one table (docs/organisations.md shows the same). An
// organisation role holds in the admin's own organisation only; the operator's list holds in
// every organisation, and in `default` — the organisation the operator runs itself, where a
// fresh server's people sign up — the operator also holds every owner permission. The server
// enforces it (packages/server/src/organisations/roles.ts); the admin console only uses it to
// leave out controls the server would refuse.
import { DEFAULT_ORG_ID, type OrgId } from './ids.ts'
import type { AdminRole } from './organisations.ts'

/** Who holds a role: its name and the organisation it holds in. */
export interface AdminHolder {
  role: AdminRole
  org: string
}

export const PERMISSIONS = [
  /** Create an organisation (operator only). */
  'orgs.create',
  /** Record a domain as verified by an organisation (operator only: DNS verification is not built). */
  'domains.add',
  /** See the organisation: name, sign-up, domains. */
  'org.read',
  /** List its people (members and guests) and their roles. */
  'members.list',
  /** Open or close its sign-up, or make it a sign-up for guests. */
  'signup.set',
  /** Grant and revoke every role but owner. */
  'roles.grant',
  /** Grant and revoke the owner role. */
  'owners.manage',
  /** A person's account metadata and device list (`GET /v1/admin/users/:id`, `…/devices`). */
  'users.read',
  /** Everything the server holds about a person's account (`…/metadata-export`). */
  'users.export',
  /** Suspend a person's device (`POST /v1/admin/devices/:id/suspend`). */
  'devices.suspend',
  /** Set and read its single sign-on (identity provider; the client secret is never shown). */
  'sso.manage',
  /** Delay the person's notice of an access (legal hold or investigation, at most 90 days). */
  'notices.delay',
  /** Create, list and revoke the organisation's SCIM provisioning tokens (owner only: a token provisions and deprovisions its people). */
  'scim.manage',
  /** Read the organisation's audit trail, with proofs, and its pending approvals. */
  'audit.read',
  /** Set where the audit trail is streamed (a SIEM: syslog over TLS, an HTTPS webhook). */
  'siem.manage',
  /** Set the organisation's signed policy (a new version, in the audit trail). */
  'policy.set',
  /** Run the archive key ceremony: split the archive key among the compliance officers' devices. */
  'compliance.keys',
  /** File, approve and open an unlock of the compliance archive (k officers' approvals). */
  'compliance.open',
  /** Place and release legal holds. */
  'holds.manage',
  /** Approve or decline what the policy puts under an admin's approval for a person: a new device (devices.adminApproval), their own export or erasure (dataRights). */
  'people.approve',
  /** Link a conversation one is a member of to a SCIM group, so its membership follows the group (docs/protocol.md §5.9). */
  'conversations.link',
] as const
export type Permission = (typeof PERMISSIONS)[number]

const IN_ORG: readonly Permission[] = [
  'org.read', 'members.list', 'signup.set', 'roles.grant', 'owners.manage', 'users.read', 'users.export', 'devices.suspend', 'sso.manage', 'notices.delay', 'scim.manage',
  'audit.read', 'siem.manage', 'policy.set', 'compliance.keys', 'people.approve', 'conversations.link',
]

export const ROLE_PERMISSIONS: Readonly<Record<AdminRole, readonly Permission[]>> = {
  owner: IN_ORG,
  admin: ['org.read', 'members.list', 'signup.set', 'roles.grant', 'users.read', 'devices.suspend', 'sso.manage', 'policy.set', 'people.approve', 'conversations.link'],
  compliance_officer: ['org.read', 'members.list', 'users.read', 'users.export', 'notices.delay', 'audit.read', 'compliance.keys', 'compliance.open', 'holds.manage'],
  support: ['org.read', 'members.list', 'users.read', 'devices.suspend'],
  auditor: ['org.read', 'members.list', 'audit.read'],
  operator: ['orgs.create', 'domains.add', 'org.read', 'signup.set', 'roles.grant', 'owners.manage'],
}

/** Whether the admin holds the permission in this organisation. */
export function allowedIn(admin: AdminHolder, org: OrgId, p: Permission): boolean {
  if (admin.role === 'operator') return ROLE_PERMISSIONS.operator.includes(p) || (org === DEFAULT_ORG_ID && ROLE_PERMISSIONS.owner.includes(p))
  return admin.org === org && ROLE_PERMISSIONS[admin.role].includes(p)
}

/** Whether the admin holds the permission in any organisation (else a call is `forbidden` whatever it names). */
export function allowedAnywhere(admin: AdminHolder, p: Permission): boolean {
  return allowedIn(admin, admin.role === 'operator' ? DEFAULT_ORG_ID : (admin.org as OrgId), p)
}

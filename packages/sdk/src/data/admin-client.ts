// The admin API from a person's own device: an admin signs in with their device key like
// anyone else. Every read or change names a justification and a case reference, which go
// into the access receipt the server logs to the person concerned before it acts.
import {
  ssoSettingsResponse,
  type SsoSettingsRequest,
  type SsoSettingsResponse,
  addDomainResponse,
  organisationMembersResponse,
  organisationSchema,
  adminDeviceResponse,
  adminDevicesResponse,
  adminMetadataExport,
  adminRecordSchema,
  adminUserResponse,
  type AccessReason,
  type AdminRole,
  type OrganisationInfo,
  type OrganisationMembers,
  type SignupMode,
  type AdminMetadataExport,
  type AdminRecordInfo,
  type AdminUserResponse,
  type DeviceInfo,
  createdScimTokenSchema,
  scimTokenInfoSchema,
  scimTokenListSchema,
  type CreatedScimToken,
  type ScimTokenInfo,
  siemSettingsResponse,
  orgPolicyResponse,
  approvalInfoSchema,
  approvalListSchema,
  type OrgPolicy,
  type OrgPolicyResponse,
  type ApprovalRequest,
  type ApprovalInfo,
  type SiemSettings,
  type SiemSettingsAnswer,
  type SiemSettingsInput,
  CandorError,
  orgPolicyVersionsResponse,
  type OrgPolicyVersions,
  heldDevicesResponse,
  type HeldDevices,
  directoryLinkSchema,
  directoryLinkListSchema,
  directoryUnlinkSchema,
  type DirectoryLink,
} from '@candor/protocol'
import type { DataApi } from './data-api.ts'
import { verifyPolicy, type VerifiedPolicy } from './org-policy-verify.ts'
import { verifiedOrgAudit, type AuditCheckpoint, type VerifiedAuditTrail } from './org-audit-verify.ts'

function query(r: AccessReason): string {
  const q = new URLSearchParams({ why: r.why, case: r.case })
  if (r.delayUntil !== undefined) q.set('delayUntil', String(r.delayUntil))
  if (r.approval !== undefined) q.set('approval', r.approval)
  return q.toString()
}

export class AdminClient {
  readonly #api: DataApi
  readonly #accessLogKey: () => Promise<string>

  /** `accessLogKey`: the access-log key this device pinned, which also signs organisations' audit logs. */
  constructor(api: DataApi, accessLogKey: () => Promise<string>) {
    this.#api = api
    this.#accessLogKey = accessLogKey
  }

  /** Becomes the operator's first admin with the token `candor serve` printed. */
  enrol(token: string, org?: string): Promise<AdminRecordInfo> {
    return this.#api.call(adminRecordSchema, 'POST', '/v1/admin/enrol', { body: { token, ...(org ? { org } : {}) } })
  }

  me(): Promise<AdminRecordInfo> {
    return this.#api.call(adminRecordSchema, 'GET', '/v1/admin/me')
  }

  /** Grants a role in the grantee's own organisation (or `operator`); see docs/organisations.md for who may grant what. */
  grant(userId: string, role: AdminRole, org?: string): Promise<AdminRecordInfo> {
    return this.#api.call(adminRecordSchema, 'POST', '/v1/admin/admins', { body: { userId, role, ...(org ? { org } : {}) } })
  }

  /** Takes a person's admin rights away (operators only; never the last operator); logged to them. */
  revoke(userId: string, reason: AccessReason): Promise<AdminRecordInfo> {
    return this.#api.call(adminRecordSchema, 'POST', `/v1/admin/admins/${encodeURIComponent(userId)}/revoke`, { body: reason })
  }

  user(userId: string, reason: AccessReason): Promise<AdminUserResponse> {
    return this.#api.call(adminUserResponse, 'GET', `/v1/admin/users/${encodeURIComponent(userId)}?${query(reason)}`)
  }

  async devices(userId: string, reason: AccessReason): Promise<DeviceInfo[]> {
    return (await this.#api.call(adminDevicesResponse, 'GET', `/v1/admin/users/${encodeURIComponent(userId)}/devices?${query(reason)}`)).devices
  }

  exportMetadata(userId: string, reason: AccessReason): Promise<AdminMetadataExport> {
    return this.#api.call(adminMetadataExport, 'GET', `/v1/admin/users/${encodeURIComponent(userId)}/metadata-export?${query(reason)}`)
  }

  suspendDevice(deviceId: string, reason: AccessReason): Promise<DeviceInfo> {
    return this.#api.call(adminDeviceResponse, 'POST', `/v1/admin/devices/${encodeURIComponent(deviceId)}/suspend`, { body: reason })
  }

  // ---- organisations (docs/organisations.md) ----

  /** Creates an organisation (operator only); its sign-up is closed unless `signup` says otherwise. */
  createOrganisation(id: string, name: string, signup?: SignupMode): Promise<OrganisationInfo> {
    return this.#api.call(organisationSchema, 'POST', '/v1/orgs', { body: { id, name, ...(signup ? { signup } : {}) } })
  }

  organisation(id: string): Promise<OrganisationInfo> {
    return this.#api.call(organisationSchema, 'GET', `/v1/orgs/${encodeURIComponent(id)}`)
  }

  /** Records a domain the operator verified as the organisation's (operator only); `elsewhere`: people of it in other organisations. */
  addDomain(id: string, domain: string): Promise<{ organisation: OrganisationInfo; elsewhere: number }> {
    return this.#api.call(addDomainResponse, 'POST', `/v1/orgs/${encodeURIComponent(id)}/domains`, { body: { domain } })
  }

  setSignup(id: string, signup: SignupMode): Promise<OrganisationInfo> {
    return this.#api.call(organisationSchema, 'POST', `/v1/orgs/${encodeURIComponent(id)}/signup`, { body: { signup } })
  }

  /** One page of the organisation's people and their roles; pass `next` as `after` for the next. */
  members(id: string, after?: string): Promise<OrganisationMembers> {
    const q = after !== undefined ? `?${new URLSearchParams({ after }).toString()}` : ''
    return this.#api.call(organisationMembersResponse, 'GET', `/v1/orgs/${encodeURIComponent(id)}/members${q}`)
  }

  /** A SCIM provisioning token for the organisation (owner): the token is in this answer only. */
  createScimToken(id: string): Promise<CreatedScimToken> {
    return this.#api.call(createdScimTokenSchema, 'POST', `/v1/orgs/${encodeURIComponent(id)}/scim-tokens`, { body: {} })
  }

  /** The organisation's SCIM tokens, revoked ones too, without the secrets. */
  async scimTokens(id: string): Promise<ScimTokenInfo[]> {
    return (await this.#api.call(scimTokenListSchema, 'GET', `/v1/orgs/${encodeURIComponent(id)}/scim-tokens`)).tokens
  }

  // ---- directory-linked conversations (docs/protocol.md §5.9) ----

  /** Links a conversation this person is a member of (its current MLS group id) to a SCIM group of the organisation: its membership follows the group. */
  linkConversation(id: string, groupId: string, scimGroupId: string): Promise<DirectoryLink> {
    return this.#api.call(directoryLinkSchema, 'PUT', `/v1/orgs/${encodeURIComponent(id)}/directory-links/${encodeURIComponent(groupId)}`, { body: { scimGroupId } })
  }

  async unlinkConversation(id: string, groupId: string): Promise<void> {
    await this.#api.call(directoryUnlinkSchema, 'DELETE', `/v1/orgs/${encodeURIComponent(id)}/directory-links/${encodeURIComponent(groupId)}`)
  }

  /** The organisation's linked conversations, oldest first. */
  async directoryLinks(id: string): Promise<DirectoryLink[]> {
    return (await this.#api.call(directoryLinkListSchema, 'GET', `/v1/orgs/${encodeURIComponent(id)}/directory-links`)).links
  }

  revokeScimToken(id: string, tokenId: string): Promise<ScimTokenInfo> {
    return this.#api.call(scimTokenInfoSchema, 'DELETE', `/v1/orgs/${encodeURIComponent(id)}/scim-tokens/${encodeURIComponent(tokenId)}`)
  }

  /** The organisation's single sign-on settings (never the client secret), or `sso: null`. */
  ssoSettings(id: string): Promise<SsoSettingsResponse> {
    return this.#api.call(ssoSettingsResponse, 'GET', `/v1/orgs/${encodeURIComponent(id)}/sso`)
  }

  /** Sets the organisation's identity provider (the server checks discovery first); leave `clientSecret` out to keep the stored one. */
  setSso(id: string, settings: SsoSettingsRequest): Promise<SsoSettingsResponse> {
    return this.#api.call(ssoSettingsResponse, 'PUT', `/v1/orgs/${encodeURIComponent(id)}/sso`, { body: settings })
  }

  /**
   * The organisation's audit trail from entry `from`, each entry checked against a checkpoint
   * signed by the pinned access-log key (under `candor/org-audit/<org>`), pages and `known` (a
   * checkpoint saved earlier) checked consistent. Throws `receipt_invalid` on any failed check.
   */
  async audit(org: string, opts: { from?: number; known?: AuditCheckpoint } = {}): Promise<VerifiedAuditTrail> {
    return verifiedOrgAudit(this.#api, await this.#accessLogKey(), org, opts.from ?? 0, opts.known)
  }

  /** The organisation's policy as served to its admins (unverified: members use `client.policy()`). */
  policy(org: string): Promise<OrgPolicyResponse> {
    return this.#api.call(orgPolicyResponse, 'GET', `/v1/orgs/${encodeURIComponent(org)}/policy`)
  }

  /** The organisation's policy versions, newest first (the list; each version is checked when read with `policyVersion`). */
  policyVersions(org: string): Promise<OrgPolicyVersions> {
    return this.#api.call(orgPolicyVersionsResponse, 'GET', `/v1/orgs/${encodeURIComponent(org)}/policy/versions`)
  }

  /**
   * Version `version` of the organisation's policy (0: the defaults), its signature and audit-log
   * proof checked against the pinned access-log key as members' clients check theirs; `policy_invalid` otherwise.
   */
  async policyVersion(org: string, version: number): Promise<VerifiedPolicy> {
    if (version === 0) return verifyPolicy({ org, version: 0, since: 0, note: null, proof: null }, await this.#accessLogKey())
    const res = await this.#api.call(orgPolicyResponse, 'GET', `/v1/orgs/${encodeURIComponent(org)}/policy/versions/${version}`)
    const v = verifyPolicy(res, await this.#accessLogKey())
    if (v.org !== org || v.version !== version) throw new CandorError('policy_invalid', `the organisation's policy was refused: asked for version ${version}, got ${v.version}`)
    return v
  }

  /** Sets the organisation's policy as its next version (owner, admin): signed, and logged in its audit trail. */
  setPolicy(org: string, policy: OrgPolicy): Promise<OrgPolicyResponse> {
    return this.#api.call(orgPolicyResponse, 'PUT', `/v1/orgs/${encodeURIComponent(org)}/policy`, { body: policy })
  }

  /** Asks for a second admin's approval of a sensitive action (where the policy requires one). */
  requestApproval(org: string, req: ApprovalRequest): Promise<ApprovalInfo> {
    return this.#api.call(approvalInfoSchema, 'POST', `/v1/orgs/${encodeURIComponent(org)}/approvals`, { body: req })
  }

  /** The organisation's open requests (pending, or approved and not yet used). */
  async approvals(org: string): Promise<ApprovalInfo[]> {
    return (await this.#api.call(approvalListSchema, 'GET', `/v1/orgs/${encodeURIComponent(org)}/approvals`)).approvals
  }

  /** Approves another admin's request. */
  approve(org: string, id: string): Promise<ApprovalInfo> {
    return this.#api.call(approvalInfoSchema, 'POST', `/v1/orgs/${encodeURIComponent(org)}/approvals/${encodeURIComponent(id)}/approve`, { body: {} })
  }

  /** Declines a request (or, its requester, withdraws it): it ends at once, never approved or used. */
  decline(org: string, id: string): Promise<ApprovalInfo> {
    return this.#api.call(approvalInfoSchema, 'POST', `/v1/orgs/${encodeURIComponent(org)}/approvals/${encodeURIComponent(id)}/decline`, { body: {} })
  }

  /** Where the organisation's trail is streamed (owner), or `siem: null`. */
  siem(org: string): Promise<SiemSettingsAnswer> {
    return this.#api.call(siemSettingsResponse, 'GET', `/v1/orgs/${encodeURIComponent(org)}/siem`)
  }

  /** Sets where the trail is streamed (owner): syslog over TLS and/or an HTTPS webhook; `{}` stops it. */
  setSiem(org: string, settings: SiemSettingsInput): Promise<{ org: string; siem: SiemSettings | null }> {
    return this.#api.call(siemSettingsResponse, 'PUT', `/v1/orgs/${encodeURIComponent(org)}/siem`, { body: settings })
  }

  /** Devices held for an admin's approval in the organisation (its policy's devices.adminApproval). */
  heldDevices(org: string): Promise<HeldDevices> {
    return this.#api.call(heldDevicesResponse, 'GET', `/v1/orgs/${encodeURIComponent(org)}/held-devices`)
  }

  /** Approves (or declines) a held device: a receipt to the person first, an audit entry; approved, it may sign in. */
  approveDevice(org: string, deviceId: string, reason: AccessReason, verdict: 'approve' | 'decline' = 'approve'): Promise<DeviceInfo> {
    return this.#api.call(adminDeviceResponse, 'POST', `/v1/orgs/${encodeURIComponent(org)}/held-devices/${encodeURIComponent(deviceId)}/${verdict}`, { body: reason })
  }
}

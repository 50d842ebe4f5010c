// Request and response bodies of the HTTP API, validated with zod at the server boundary.
// Every field is checked by its one parser (field-schemas.ts), so a parsed body holds branded
// canonical values. Request types (XRequest) are what a client sends: the schema's input.
import { z } from 'zod'
import { LIMITS } from './limits.ts'
import { mlsSuiteQuerySchema, mlsSuiteSchema } from './mls-suites.ts'
import { ADMIN_ROLES, orgIdSchema } from './organisations.ts'
import { ssoTicketSchema } from './sso.ts'
import { ACCESSOR_ROLES } from './access-receipt.ts'
import { UNDECRYPTABLE_REASONS } from './content/content-types.ts'
import {
  base64UrlSchema,
  caseRefSchema,
  challengeSchema,
  deviceIdSchema,
  deviceNameSchema,
  epochSchema,
  groupIdSchema,
  justificationSchema,
  messageIdSchema,
  publicKeySchema,
  signatureSchema,
  timestampSchema,
  timestampTextSchema,
  userIdSchema,
} from './field-schemas.ts'
import type { DeviceId, UserId } from './ids.ts'

export const registerRequest = z.strictObject({
  userId: userIdSchema,
  publicKey: publicKeySchema,
  deviceName: deviceNameSchema,
  signature: signatureSchema,
  /** The organisation whose sign-up this comes through (docs/organisations.md); default `default`. */
  org: orgIdSchema.optional(),
  /** A sign-in ticket of the organisation's identity provider for this user id (required when it requires SSO). */
  ssoTicket: ssoTicketSchema.optional(),
})
export type RegisterRequest = z.input<typeof registerRequest>
export interface RegisterResponse {
  userId: string
  deviceId: string
}

export const challengeRequest = z.strictObject({ deviceId: deviceIdSchema })
export interface ChallengeResponse {
  challenge: string
  expiresAt: number
}
/** A challenge as a client checks it (sign-in, or account deletion: POST /v1/account/delete/challenge). */
export const challengeResponseSchema = z.strictObject({ challenge: challengeSchema, expiresAt: timestampSchema })

export const sessionRequest = z.strictObject({
  deviceId: deviceIdSchema,
  challenge: challengeSchema,
  signature: signatureSchema,
  /** A fresh sign-in ticket, when the organisation requires SSO and the last sign-in is too old or was logged out. */
  ssoTicket: ssoTicketSchema.optional(),
})
export interface SessionResponse {
  token: string
  expiresAt: number
  userId: string
}

export type DeviceStatus = 'pending' | 'active' | 'revoked'
export interface DeviceInfo {
  deviceId: string
  userId: string
  name: string
  publicKey: string
  status: DeviceStatus
  createdAt: number
}

export const enrolmentRequest = z.strictObject({
  userId: userIdSchema,
  publicKey: publicKeySchema,
  deviceName: deviceNameSchema,
  signature: signatureSchema,
  /** A sign-in ticket for this user id (required when the user's organisation requires SSO). */
  ssoTicket: ssoTicketSchema.optional(),
})
export type EnrolmentRequest = z.input<typeof enrolmentRequest>

export const approveRequest = z.strictObject({ signature: signatureSchema })
/** The signature of `candor/deny/v1` (denialStatement) by the denying device. */
export const denyRequest = z.strictObject({ signature: signatureSchema })

/** A pending enrolment request as its user's devices see it: a device that is not one yet. */
export interface EnrolmentInfo extends DeviceInfo {
  status: 'pending'
  /** When the request is gone unless approved (ms). */
  expiresAt: number
}
export interface EnrolmentResponse {
  deviceId: string
  status: 'pending'
  expiresAt: number
}

export const keyPackageUpload = z.strictObject({
  oneTime: z.array(base64UrlSchema(LIMITS.keyPackageBytes)).max(LIMITS.keyPackagesPerUpload),
  lastResort: base64UrlSchema(LIMITS.keyPackageBytes).optional(),
  /** The suite every package here is in (docs/protocol.md §4.5); 1 if absent. */
  suite: mlsSuiteSchema.optional(),
})
export type KeyPackageUpload = z.input<typeof keyPackageUpload>
export interface KeyPackageCount {
  oneTime: number
  lastResort: boolean
}

/** Claims one package per active device of the user (all but the caller's), or of the listed ones. */
export const claimRequest = z.strictObject({
  deviceIds: z.array(deviceIdSchema).max(LIMITS.devicesPerUser).optional(),
  /** The suite of the packages wanted (docs/protocol.md §4.5); 1 if absent. */
  suite: mlsSuiteSchema.optional(),
})
/** `GET /v1/key-packages/count?suite=` */
export const keyPackageCountQuery = z.object({ suite: mlsSuiteQuerySchema.optional() })

export interface ClaimedKeyPackage {
  userId: string
  deviceId: string
  publicKey: string
  keyPackage: string
  lastResort: boolean
}
export interface ClaimResponse {
  keyPackages: ClaimedKeyPackage[]
  /** Active devices asked for that have no package of the suite claimed (docs/protocol.md §4.5). */
  missing?: string[]
}

/** POST /v1/groups (docs/protocol.md §5.1): the creator's signed GroupInfo of the new group at epoch 0. */
export const createGroupRequest = z.strictObject({ groupId: groupIdSchema, groupInfo: base64UrlSchema(LIMITS.handshakeBytes) })
export type CreateGroupRequest = z.input<typeof createGroupRequest>

/**
 * POST /v1/groups/:groupId/commits (docs/protocol.md §5.1): an MLS PublicMessage commit and the
 * group's GroupInfo after it; the epoch, who is added and who removed are read from the commit.
 */
export const commitRequest = z.strictObject({
  messageId: messageIdSchema,
  commit: base64UrlSchema(LIMITS.handshakeBytes),
  groupInfo: base64UrlSchema(LIMITS.handshakeBytes),
  welcome: base64UrlSchema(LIMITS.handshakeBytes).optional(),
})
export type CommitRequest = z.input<typeof commitRequest>

/** POST /v1/groups/:groupId/external-commits (docs/protocol.md §5.2): an external commit (resync) and the GroupInfo after it. */
export const externalCommitRequest = z.strictObject({
  messageId: messageIdSchema,
  commit: base64UrlSchema(LIMITS.handshakeBytes),
  groupInfo: base64UrlSchema(LIMITS.handshakeBytes),
})
export type ExternalCommitRequest = z.input<typeof externalCommitRequest>

/** GET /v1/account/groups: the groups the person is in now, for a device of theirs to join (docs/protocol.md §5.2). */
export interface AccountGroupsResponse {
  groups: Array<{ groupId: string; conversationId: string; epoch: number }>
}

/** GET /v1/groups/:groupId/group-info: the group's latest signed GroupInfo (with its ratchet tree and external_pub). */
export interface GroupInfoBytesResponse {
  groupId: string
  epoch: number
  groupInfo: string
}
export interface CommitResponse {
  epoch: number
  sentAt: number
}

/** GET /v1/groups/:groupId/commits/:epoch: the commit accepted at that epoch (it made epoch + 1). */
export interface AcceptedCommitResponse {
  groupId: string
  epoch: number
  messageId: string
}

/**
 * POST /v1/groups/:groupId/reports (docs/protocol.md §5.3): this device cannot process the
 * commit `messageId` that `committer` made at `epoch`; `signature` by this device's key over
 * `reportStatement(groupId, epoch, committer, messageId, reason)`.
 */
export const reportRequest = z.strictObject({
  epoch: epochSchema,
  committer: deviceIdSchema,
  messageId: messageIdSchema,
  reason: z.enum(UNDECRYPTABLE_REASONS),
  signature: signatureSchema,
})
export type ReportRequest = z.input<typeof reportRequest>
export interface ReportResponse {
  reportedAt: number
}
/** A report as relayed to the group's members: the deliver frame's payload (kind `report`), UTF-8 JSON. */
export const relayedReport = reportRequest.extend({ groupId: groupIdSchema })
export type RelayedReport = z.output<typeof relayedReport>

/**
 * POST /v1/conversations/:conversationId/reset (docs/protocol.md §5.4): replaces
 * `previousGroup` (the conversation's current group, of which this device is a member, at
 * `epoch` on this device) by the new, empty group `groupId`; the device then adds the members.
 */
export const resetRequest = z.strictObject({
  previousGroup: groupIdSchema,
  epoch: epochSchema,
  groupId: groupIdSchema,
  /** The new group's GroupInfo at epoch 0, checked as POST /v1/groups checks it. */
  groupInfo: base64UrlSchema(LIMITS.handshakeBytes),
})
export type ResetRequest = z.input<typeof resetRequest>
export interface ResetResponse {
  conversationId: string
  previousGroup: string
  groupId: string
  epoch: number
  resetBy: string
  resetAt: number
}
/** GET /v1/groups/:groupId/resets: the conversation a group belongs to, the group it replaced and the one that replaced it. */
export interface GroupResetsResponse {
  groupId: string
  conversationId: string
  from: ResetResponse | null
  to: ResetResponse | null
}

export interface GroupInfoResponse {
  groupId: string
  epoch: number
  members: string[]
}

/** The directory's public parameters and latest signed checkpoint (a C2SP signed note). */
export interface DirectoryInfo {
  origin: string
  /** C2SP verifier key of the checkpoint signer. */
  verifierKey: string
  /** ECVRF public key, base64url. */
  vrfPublicKey: string
  checkpoint: string
}

/** A proof (base64url of the transparency codec) against the signed checkpoint it names. */
export interface DirectoryProofResponse {
  checkpoint: string
  proof: string
}

/**
 * `GET /v1/directory/lookup/:userId?at=<size>`: the user's entry as of the epoch of tree size
 * `at`, proven in the latest signed checkpoint (`checkpoint`, of size S ≥ at), with the RFC 9162
 * consistency proof from size `at` to S, so a client can check that a checkpoint someone named
 * (size `at` and its root) is part of the log it trusts.
 */
export interface DirectoryPastProofResponse extends DirectoryProofResponse {
  /** base64url hashes of the consistency proof from `at` to the checkpoint's size. */
  consistency: string[]
}

export const witnessCosignature = z.strictObject({
  /** The checkpoint body the witness signed, then its signature line(s), as a signed note. */
  note: z.string().min(1).max(16_384),
})

// ---- admin API (data ownership) ----
// Every admin call names why (a justification code) and a case reference; both go into the
// access receipt the call writes before it reads or changes anything.
export const accessReasonSchema = z.strictObject({
  why: justificationSchema,
  case: caseRefSchema,
  /** Delays the subject's notice to this date (ms); only for legal holds and investigations. */
  delayUntil: timestampSchema.optional(),
  /** A second admin's approval of this very call, where the organisation's policy requires one (org-policy.ts). */
  approval: z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'an approval id').optional(),
})
export type AccessReason = z.infer<typeof accessReasonSchema>
/** The same reason in the query string of a GET (where every value is text). */
export const accessReasonQuery = accessReasonSchema.extend({ delayUntil: timestampTextSchema.optional() })

export const adminEnrolRequest = z.strictObject({
  token: z.string().min(16).max(128),
  org: z.string().min(1).max(128).optional(),
})
/** A role in the grantee's own organisation (`org`, when given, must be it), or `operator`. */
export const adminGrantRequest = z.strictObject({
  userId: userIdSchema,
  role: z.enum(ADMIN_ROLES),
  org: orgIdSchema.optional(),
})
export const adminRecordSchema = z.strictObject({
  userId: userIdSchema,
  role: z.enum(ADMIN_ROLES),
  org: z.string(),
  grantedBy: userIdSchema.nullable(),
  grantedAt: z.number().int(),
})
export type AdminRecordInfo = z.infer<typeof adminRecordSchema>

const deviceInfoSchema = z.strictObject({
  deviceId: z.string(),
  userId: z.string(),
  name: z.string(),
  publicKey: z.string(),
  status: z.enum(['pending', 'active', 'revoked']),
  createdAt: z.number().int(),
})
export const adminDevicesResponse = z.strictObject({ devices: z.array(deviceInfoSchema) })
export const adminUserResponse = z.strictObject({
  userId: userIdSchema,
  firstSeen: z.number().int().nullable(),
  devices: z.array(deviceInfoSchema),
  conversations: z.number().int().nonnegative(),
})
export type AdminUserResponse = z.infer<typeof adminUserResponse>
export const adminMetadataExport = z.strictObject({
  userId: userIdSchema,
  exportedAt: z.number().int(),
  devices: z.array(deviceInfoSchema),
  conversations: z.array(z.strictObject({ groupId: z.string(), epoch: z.number().int(), memberDevices: z.number().int() })),
  queues: z.array(z.strictObject({ deviceId: z.string(), pending: z.number().int() })),
  keyPackages: z.array(z.strictObject({ deviceId: z.string(), oneTime: z.number().int(), lastResort: z.boolean() })),
})
export type AdminMetadataExport = z.infer<typeof adminMetadataExport>
export const adminDeviceResponse = deviceInfoSchema

// ---- account data export (data ownership) ----
/** GET /v1/account/export: everything the server holds about the caller's account. */
export const accountExportSchema = z.strictObject({
  userId: userIdSchema,
  exportedAt: z.number().int(),
  devices: z.array(deviceInfoSchema),
  conversations: z.array(z.strictObject({ groupId: z.string(), epoch: z.number().int(), memberDevices: z.array(z.string()) })),
  queued: z.array(
    z.strictObject({
      deviceId: z.string(),
      seq: z.number().int(),
      messageId: z.string(),
      groupId: z.string(),
      sender: z.string(),
      kind: z.number().int(),
      sentAt: z.number().int(),
      /** The ciphertext, base64url: the server never has anything else. */
      payload: z.string(),
    }),
  ),
  keyPackages: z.array(z.strictObject({ deviceId: z.string(), oneTime: z.number().int(), lastResort: z.boolean() })),
  admin: adminRecordSchema.nullable(),
  accessLog: z.array(z.strictObject({ index: z.number().int(), loggedAt: z.number().int(), visibleAt: z.number().int() })),
  /** The attachment blobs this account uploaded that the server still holds (ciphertext sizes only). */
  blobs: z.array(z.strictObject({ blobId: z.string(), groupId: z.string(), size: z.number().int(), uploadedAt: z.number().int(), expiresAt: z.number().int().nullable() })),
})
export type AccountExport = z.infer<typeof accountExportSchema>

// ---- attachment blobs (docs/protocol.md §2.4) ----
export const createBlobRequest = z.strictObject({
  /** The blob's length in bytes: the encrypted chunks together (1 to LIMITS.blobBytes). */
  size: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
})
export const blobInfoSchema = z.strictObject({
  blobId: z.string(),
  groupId: z.string(),
  size: z.number().int(),
  /** Bytes stored so far: where an upload resumes. */
  received: z.number().int(),
  complete: z.boolean(),
  createdAt: z.number().int(),
})
export type BlobInfo = z.infer<typeof blobInfoSchema>
export const blobAppendResponse = z.strictObject({ received: z.number().int() })
/** `POST /v1/blobs/:blobId/fetched`: whether that was the last recipient's fetch, and the blob is gone (§2.4 Lifecycle). */
export const blobFetchedResponse = z.strictObject({ deleted: z.boolean() })

// ---- invite links (docs/protocol.md "Invite links") ----
/** `POST /v1/invites`: the link's secret stays on the creating device; the server gets its SHA-256 only. */
export const createInviteRequest = z.strictObject({
  secretHash: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'the SHA-256 of the secret, 43 characters of base64url'),
  maxUses: z.number().int().min(1).max(LIMITS.inviteMaxUses),
  expiresInSeconds: z.number().int().min(60).max(LIMITS.inviteMaxSeconds),
})
export const inviteInfoSchema = z.strictObject({
  inviteId: z.string(),
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
  maxUses: z.number().int(),
  uses: z.number().int(),
  revoked: z.boolean(),
})
export type InviteInfo = z.infer<typeof inviteInfoSchema>
export const invitesResponse = z.strictObject({ invites: z.array(inviteInfoSchema) })
/** `POST /v1/invites/redeem`: the secret from the link's fragment. */
export const redeemInviteRequest = z.strictObject({ secret: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'the secret from the link, 43 characters of base64url') })
/** Whom the link lets the redeemer talk to: now each other's contact. */
export const redeemInviteResponse = z.strictObject({ userId: z.string() })
export const revokeInviteResponse = z.strictObject({ revoked: z.literal(true) })

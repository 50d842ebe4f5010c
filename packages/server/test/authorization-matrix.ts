// The authorisation matrix: one row per HTTP route and per WebSocket frame type, saying who may
// use it and what everyone else gets. authorization-matrix.test.ts walks the routes the server
// itself registered and fails on any route without a row here, so a new route is one line:
//
//   'POST /v1/things/:thingId': member((w) => ({ path: `/v1/things/${w.thing}`, body: {…} })),
//
// The request a row builds is one its rightful user would make (valid body, real ids of the
// world below), so a refusal is about who asks, never about bad input.
import {
  FrameType,
  DEFAULT_ORG_POLICY,
  approvalStatement,
  authStatement,
  registrationStatement,
  utf8,
  denialStatement,
  encodeAccepted,
  encodeAck,
  encodeAuth,
  encodeDeliver,
  encodeError,
  encodeNotice,
  encodeSend,
  encodeSendEphemeral,
  encodeEphemeral,
  newGroupId,
  reportStatement,
  recoveryKeyStatement,
  enrolmentStatement,
  newMessageId,
  toBase64Url,
  type DeviceId,
  type ErrorCode,
  type GroupId,
} from '@candor/protocol'
import { generateDeviceKey, signDetached, type GroupState } from '@candor/crypto'
import { cosigner, formatNote, parseNote } from '@candor/transparency'
import type { RawDevice } from './raw-client.ts'
import { commitBody, externalCommitBody, newGroupState, resetBody } from './raw-mls.ts'

/** The people and things every row's request refers to (built once by the test). */
export interface World {
  /** Owns the group, the pending enrolment and the devices the rows target. */
  alice: RawDevice
  /** Alice's second device, the target of revocation by others. */
  aliceTablet: DeviceId
  /** The group's other member (receives alice's messages). */
  amy: RawDevice
  /** Another user: no member of anything of alice's, no admin. */
  bob: RawDevice
  /** A device revoked by its owner, holding its still-unexpired session token. */
  revoked: RawDevice
  /** The operator admin. */
  admin: RawDevice
  /** An admin without operator rights: support in the default organisation (no grants, no organisation changes). */
  orgAdmin: RawDevice
  /** The owner of another organisation (`matrix-other`): every right there, none in `default`. */
  otherOrgAdmin: RawDevice
  group: GroupId
  /** Alice's MLS state of the group (epoch 1), for the real commits the group rows build. */
  groupState: GroupState
  /** The group's GroupInfo at epoch 1 (base64url), for an external commit. */
  groupInfo: string
  /** The key of a pending enrolment request for alice's account, and its device id. */
  pending: { deviceId: DeviceId; publicKey: string }
  /** A contact request to alice (from amy), pending. */
  request: string
  /** A user alice blocks. */
  blocked: string
  /** Sizes the public log routes are asked about. */
  directorySize: number
  accessLogSize: number
  /** A checkpoint note of the directory, for a forged witness cosignature. */
  checkpoint: string
  /**
   * SCIM (organisation `default`): its token and the token's id, a revoked token of it, a token of
   * another organisation, a provisioned person (SCIM id and userName) and a group of them.
   */
  scim: { token: string; tokenId: string; revoked: string; otherOrg: string; user: string; userName: string; group: string }
  /** A pending request for a second admin's approval in `default` (the operator's, to read amy's account). */
  approval: string
  /** Alice's own pending data-rights request (export), in `default`. */
  dataRight: string
  /** Amy's device held for an admin's approval (devices.adminApproval). */
  held: DeviceId
  /** A fresh challenge for alice's device (sign-in rows). */
  challenge: () => Promise<string>
  /** Alice's complete attachment blob in her group (10 bytes), and an upload of hers not started (10 bytes). */
  blob: string
  /** Alice's invite link's id (the SHA-256 of its secret). */
  invite: string
  upload: string
  /** Alice's recovery key (docs/protocol.md §4.2). */
  recovery: { publicKey: string; secretKey: Uint8Array }
  /** Alice's backup under it (complete, 10 bytes), and her transfer to her tablet, not started (10 bytes). */
  archive: string
  archiveUpload: string
  /**
   * Compliance in `default`: an officer (the only one) whose device holds the one share of archive
   * key version 1, an unlock request the officer filed, and a legal hold on amy.
   */
  officer: RawDevice
  compliance: { unlock: string; hold: string; keyUpload: () => Promise<unknown> }
}

export interface Req {
  path: string
  body?: unknown
  /** Sent as application/octet-stream instead of a JSON body. */
  bytes?: Uint8Array
}
export type Build = (w: World, as: RawDevice) => Req | Promise<Req>

/**
 * Who may use a route, and so which refusals the test asserts:
 * - `public`: anyone, no session. `stranger` is an attack a stranger may try and its refusal;
 *   without one, the route is read-only and the test asserts a stranger's call changes nothing.
 * - `session`: a signed-in device; no token → unauthenticated, a revoked device → device_revoked.
 *   `otherUser` is what another user's device gets when it aims the request at alice's things:
 *   an error code, `own-data` (the route only ever serves the caller's own data: the test checks
 *   none of alice's ids are in the answer), or `allowed` (by design, with the reason).
 * - `member`: a session, and a member of the group: a non-member → not_member.
 * - `admin`: a session, and an admin record: a non-admin → forbidden. `operator`: rights a
 *   support admin does not hold (operators', owners' or admins'): the support admin → forbidden too.
 *   `otherOrg`: what the owner of another organisation gets when aiming at `default`'s things
 *   (the answer for a target that does not exist, so nothing of `default` shows).
 *   Which role may do what, and across organisations, is sdk/test/organisation-*.test.ts.
 * - `scim`: an organisation's SCIM bearer token, no device session. No token, a made-up token, a
 *   revoked token and a device's session token → 401; `otherOrg` is what a SCIM token of another
 *   organisation gets aiming at this one's resources: an HTTP status (with the SCIM error body),
 *   `own-data` (it is served its own organisation's, none of this one's ids in the answer), or
 *   `allowed` (the same for every organisation: discovery).
 */
export type OtherUser = ErrorCode | 'own-data' | { allowed: string }
export type Access =
  | { kind: 'public'; stranger?: ErrorCode; why: string }
  | { kind: 'session'; otherUser: OtherUser }
  | { kind: 'member' }
  | { kind: 'admin'; operatorOnly: boolean; otherOrg?: ErrorCode }
  | { kind: 'scim'; otherOrg: number | 'own-data' | 'allowed' }

export interface Row {
  access: Access
  build: Build
  /** The rightful user of the control request, when it is not the operator (admin rows) or alice: a compliance officer. */
  as?: 'officer'
}

const at = (path: string): Build => () => ({ path })
const reason = '?why=security_investigation&case=SEC-1'
const reasonBody = { why: 'security_investigation', case: 'SEC-1' }

export const publicRoute = (why: string, build: Build, stranger?: ErrorCode): Row => ({ access: stranger ? { kind: 'public', why, stranger } : { kind: 'public', why }, build })
export const session = (otherUser: OtherUser, build: Build): Row => ({ access: { kind: 'session', otherUser }, build })
export const member = (build: Build): Row => ({ access: { kind: 'member' }, build })
export const admin = (build: Build, operatorOnly = false, otherOrg?: ErrorCode): Row => ({ access: otherOrg ? { kind: 'admin', operatorOnly, otherOrg } : { kind: 'admin', operatorOnly }, build })
/** An officer's route: refused to everyone else as an admin route is (the support admin too); the control is the officer's. */
const officer = (build: Build, otherOrg: ErrorCode): Row => ({ ...admin(build, true, otherOrg), as: 'officer' })
export const scimRoute = (otherOrg: number | 'own-data' | 'allowed', build: Build): Row => ({ access: { kind: 'scim', otherOrg }, build })
const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const SCIM_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const SCIM_PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

/** An MLS PrivateMessage header (the server reads only this) for a group and content type. */
export function mlsMessage(group: GroupId, epoch: number, contentType: number): Uint8Array {
  const gid = Buffer.from(group, 'base64url')
  const out = new Uint8Array(5 + gid.length + 8 + 1 + 32)
  out.set([0, 1, 0, 2, gid.length], 0)
  out.set(gid, 5)
  new DataView(out.buffer).setBigUint64(5 + gid.length, BigInt(epoch))
  out[5 + gid.length + 8] = contentType
  return out
}

/** A consent record for `as`'s account, signed by `as`. */
function consent(as: RawDevice, userId: string): Req {
  const record = JSON.stringify({
    v: 1,
    id: toBase64Url(crypto.getRandomValues(new Uint8Array(16))),
    userId,
    deviceId: as.deviceId,
    deviceKey: toBase64Url(as.publicKey),
    purpose: 'data_export',
    scope: 'all',
    state: 'given',
    controller: 'http://candor.test',
    at: Date.now(),
  })
  return { path: '/v1/consents', body: { record, signature: toBase64Url(signDetached(as.secretKey, utf8(record))) } }
}

/** A browser's push subscription (PushSubscription.toJSON()): a push service URL and RFC 8291 keys. */
function pushSubscriptionBody() {
  const p256dh = new Uint8Array(65)
  p256dh[0] = 4
  p256dh.set(crypto.getRandomValues(new Uint8Array(64)), 1)
  return { endpoint: 'https://push.example/send/abc', expirationTime: null, keys: { p256dh: toBase64Url(p256dh), auth: toBase64Url(crypto.getRandomValues(new Uint8Array(16))) } }
}

export const HTTP_ROWS: Record<string, Row> = {
  'GET /healthz': publicRoute('liveness', at('/healthz')),
  'POST /v1/register': publicRoute(
    'anyone may create an account',
    (w) => {
      const k = generateDeviceKey()
      const pk = toBase64Url(k.publicKey)
      return { path: '/v1/register', body: { userId: w.alice.userId, publicKey: pk, deviceName: 'x', signature: toBase64Url(signDetached(k.secretKey, registrationStatement(w.alice.userId, pk))) } }
    },
    'user_exists',
  ),
  'POST /v1/auth/challenge': publicRoute('a challenge is worth nothing without the device key', (w) => ({ path: '/v1/auth/challenge', body: { deviceId: w.alice.deviceId } })),
  'POST /v1/auth/session': publicRoute(
    'sign-in: only the holder of the device key gets a token',
    async (w, as) => {
      const challenge = await w.challenge()
      return { path: '/v1/auth/session', body: { deviceId: w.alice.deviceId, challenge, signature: toBase64Url(signDetached(as.secretKey, authStatement(w.alice.deviceId, challenge))) } }
    },
    'bad_signature',
  ),
  'POST /v1/enrolments': publicRoute(
    'a new device asks to join (bounded: stranger-enrolments.test.ts); naming a key it does not hold is refused',
    (w, as) => {
      const pk = toBase64Url(w.alice.publicKey)
      return { path: '/v1/enrolments', body: { userId: w.alice.userId, publicKey: pk, deviceName: 'take-over', signature: toBase64Url(signDetached(as.secretKey, enrolmentStatement(w.alice.userId, pk, 'take-over'))) } }
    },
    'bad_signature',
  ),
  'GET /v1/enrolments': session('own-data', at('/v1/enrolments')),
  'POST /v1/enrolments/:deviceId/approve': session('not_found', (w, as) => ({
    path: `/v1/enrolments/${w.pending.deviceId}/approve`,
    body: { signature: toBase64Url(signDetached(as.secretKey, approvalStatement(as.deviceId, as.userId, w.pending.publicKey))) },
  })),
  'POST /v1/enrolments/:deviceId/deny': session('not_found', (w, as) => ({
    path: `/v1/enrolments/${w.pending.deviceId}/deny`,
    body: { signature: toBase64Url(signDetached(as.secretKey, denialStatement(as.userId, w.pending.publicKey))) },
  })),
  'POST /v1/enrolments/:deviceId/recover': publicRoute(
    'a device recovering the account: only the holder of the person’s recovery key can sign the approval',
    (w, as) => ({ path: `/v1/enrolments/${w.pending.deviceId}/recover`, body: { signature: toBase64Url(signDetached(as.secretKey, approvalStatement('recovery', w.alice.userId, w.pending.publicKey))) } }),
    'bad_signature',
  ),
  // The statement names alice: another user's device signing it for its own session does not fit (its statement names itself).
  'PUT /v1/recovery-key': session('bad_signature', (w, as) => {
    const k = generateDeviceKey()
    const pk = toBase64Url(k.publicKey)
    const statement = recoveryKeyStatement(w.alice.userId, w.alice.deviceId, pk, w.recovery.publicKey)
    return { path: '/v1/recovery-key', body: { publicKey: pk, previous: w.recovery.publicKey, signature: toBase64Url(signDetached(as.secretKey, statement)), proof: toBase64Url(signDetached(k.secretKey, statement)) } }
  }),
  'POST /v1/archives': session('forbidden', (w) => ({ path: '/v1/archives', body: { recipient: w.aliceTablet, size: 10 } })),
  'PUT /v1/archives/:archiveId': session('not_found', (w) => ({ path: `/v1/archives/${w.archiveUpload}?offset=0`, bytes: new Uint8Array(4) })),
  'POST /v1/archives/:archiveId/complete': session('not_found', (w) => ({ path: `/v1/archives/${w.archive}/complete`, body: {} })),
  'GET /v1/archives': session('own-data', at('/v1/archives')),
  'GET /v1/archives/:archiveId/content': session('not_found', (w) => ({ path: `/v1/archives/${w.archive}/content` })),
  'DELETE /v1/archives/:archiveId': session('not_found', (w) => ({ path: `/v1/archives/${w.archiveUpload}` })),
  'GET /v1/devices': session('own-data', at('/v1/devices')),
  'DELETE /v1/devices/:deviceId': session('unknown_device', (w) => ({ path: `/v1/devices/${w.aliceTablet}` })),
  'POST /v1/key-packages': session('own-data', () => ({ path: '/v1/key-packages', body: { oneTime: [] } })),
  'GET /v1/key-packages/count': session('own-data', at('/v1/key-packages/count')),
  'POST /v1/users/:userId/key-packages/claim': session({ allowed: 'how a conversation with alice starts: one key package per device, handed out once' }, (w) => ({ path: `/v1/users/${w.alice.userId}/key-packages/claim`, body: {} })),
  'POST /v1/groups': session('conflict', async (w, as) => ({ path: '/v1/groups', body: { groupId: w.group, groupInfo: (await newGroupState(as, w.group)).groupInfo } })),
  'GET /v1/groups': session('own-data', at('/v1/groups')),
  'GET /v1/account/groups': session('own-data', at('/v1/account/groups')),
  'GET /v1/groups/:groupId': member((w) => ({ path: `/v1/groups/${w.group}` })),
  'POST /v1/groups/:groupId/leave': member((w) => ({ path: `/v1/groups/${w.group}/leave`, body: {} })),
  'POST /v1/groups/:groupId/commits': member(async (w) => ({ path: `/v1/groups/${w.group}/commits`, body: (await commitBody(w.groupState)).body })),
  'GET /v1/groups/:groupId/group-info': member((w) => ({ path: `/v1/groups/${w.group}/group-info` })),
  // Alice's own resync (only the device a leaf names can make one; the others post hers).
  'POST /v1/groups/:groupId/external-commits': member(async (w) => ({ path: `/v1/groups/${w.group}/external-commits`, body: (await externalCommitBody(w.alice, w.groupInfo)).body })),
  'GET /v1/groups/:groupId/commits/:epoch': member((w) => ({ path: `/v1/groups/${w.group}/commits/0` })),
  'POST /v1/groups/:groupId/reports': member((w, as) => {
    const messageId = newMessageId()
    return {
      path: `/v1/groups/${w.group}/reports`,
      body: { epoch: 0, committer: w.amy.deviceId, messageId, reason: 'decrypt_failed', signature: toBase64Url(signDetached(as.secretKey, reportStatement(w.group, 0, w.amy.deviceId, messageId, 'decrypt_failed'))) },
    }
  }),
  'POST /v1/conversations/:conversationId/reset': member(async (w, as) => ({ path: `/v1/conversations/${w.group}/reset`, body: await resetBody(as, w.group, 0) })),
  'GET /v1/groups/:groupId/resets': member((w) => ({ path: `/v1/groups/${w.group}/resets` })),
  'GET /v1/groups/:groupId/retention': member((w) => ({ path: `/v1/groups/${w.group}/retention` })),
  'PUT /v1/groups/:groupId/retention': member((w) => ({ path: `/v1/groups/${w.group}/retention`, body: { seconds: 3600 } })),
  'POST /v1/groups/:groupId/blobs': member((w) => ({ path: `/v1/groups/${w.group}/blobs`, body: { size: 10 } })),
  'PUT /v1/blobs/:blobId': member((w) => ({ path: `/v1/blobs/${w.upload}?offset=0`, bytes: new Uint8Array(4) })),
  'POST /v1/blobs/:blobId/complete': member((w) => ({ path: `/v1/blobs/${w.blob}/complete`, body: {} })),
  'GET /v1/blobs/:blobId': member((w) => ({ path: `/v1/blobs/${w.blob}` })),
  'GET /v1/blobs/:blobId/content': member((w) => ({ path: `/v1/blobs/${w.blob}/content` })),
  'POST /v1/blobs/:blobId/fetched': member((w) => ({ path: `/v1/blobs/${w.blob}/fetched`, body: {} })),
  'POST /v1/invites': session({ allowed: 'anyone signed in makes invite links of their own' }, () => ({ path: '/v1/invites', body: { secretHash: 'A'.repeat(43), maxUses: 1, expiresInSeconds: 3600 } })),
  'GET /v1/invites': session('own-data', at('/v1/invites')),
  'DELETE /v1/invites/:inviteId': session('not_found', (w) => ({ path: `/v1/invites/${w.invite}` })),
  'POST /v1/invites/redeem': session({ allowed: 'whoever holds a link’s secret' }, () => ({ path: '/v1/invites/redeem', body: { secret: 'B'.repeat(43) } })),
  'GET /v1/directory': publicRoute('the directory’s public parameters and checkpoint', at('/v1/directory')),
  'GET /v1/mls/external-sender': publicRoute('the server’s MLS external-sender key and the access-log key’s endorsement, public like the directory’s keys', at('/v1/mls/external-sender')),
  'GET /v1/directory/lookup/:userId': session({ allowed: 'anyone signed in may look up anyone’s device keys, with proofs (no names, no status)' }, (w) => ({ path: `/v1/directory/lookup/${w.alice.userId}` })),
  'GET /v1/directory/history': session('own-data', at('/v1/directory/history')),
  'GET /v1/directory/consistency': publicRoute('proofs for witnesses and auditors', (w) => ({ path: `/v1/directory/consistency?from=1&to=${w.directorySize}` })),
  'GET /v1/directory/checkpoints/:size': publicRoute('past checkpoints for witnesses and auditors', (w) => ({ path: `/v1/directory/checkpoints/${w.directorySize}` })),
  'POST /v1/directory/cosignatures': publicRoute(
    'a witness is not a user; only configured witnesses’ verified cosignatures are kept',
    (w) => {
      const signer = cosigner('witness.forged', generateDeviceKey().secretKey, () => Math.floor(Date.now() / 1000))
      const text = parseNote(w.checkpoint)!.text
      return { path: '/v1/directory/cosignatures', body: { note: formatNote(text, [{ name: signer.name, keyId: signer.keyId, signature: signer.sign(utf8(text)) }]) } }
    },
    'forbidden',
  ),
  'GET /v1/access-log': publicRoute('the access log’s public parameters and checkpoint', at('/v1/access-log')),
  'GET /v1/access-log/consistency': publicRoute('proofs for auditors', (w) => ({ path: `/v1/access-log/consistency?from=1&to=${w.accessLogSize}` })),
  'GET /v1/access-receipts': session('own-data', at('/v1/access-receipts')),
  'POST /v1/account/delete': session('bad_request', (w) => ({ path: '/v1/account/delete', body: { confirm: w.alice.userId } })),
  'POST /v1/account/delete/challenge': session('own-data', () => ({ path: '/v1/account/delete/challenge', body: {} })),
  'GET /v1/account/export': session('own-data', at('/v1/account/export')),
  // dataRights: the caller's own requests only (in `default`, whose policy allows both, nothing is filed).
  'GET /v1/account/data-rights': session('own-data', at('/v1/account/data-rights')),
  'POST /v1/account/data-rights': session('own-data', () => ({ path: '/v1/account/data-rights', body: { right: 'export' } })),
  // Only the person who asked may withdraw it; to anyone else it does not exist (admins and other organisations: sdk/test/org-data-rights-withdraw.test.ts).
  'POST /v1/account/data-rights/:id/withdraw': session('not_found', (w) => ({ path: `/v1/account/data-rights/${w.dataRight}/withdraw`, body: {} })),
  'POST /v1/consents': session('forbidden', (w, as) => consent(as, w.alice.userId)),
  'GET /v1/push/vapid-key': session({ allowed: 'the server’s public VAPID key, the same for every device' }, at('/v1/push/vapid-key')),
  'PUT /v1/devices/:deviceId/push-subscription': session('forbidden', (w) => ({ path: `/v1/devices/${w.alice.deviceId}/push-subscription`, body: pushSubscriptionBody() })),
  'DELETE /v1/devices/:deviceId/push-subscription': session('forbidden', (w) => ({ path: `/v1/devices/${w.alice.deviceId}/push-subscription` })),
  'GET /v1/consents': session('own-data', at('/v1/consents')),
  'POST /v1/admin/enrol': admin(() => ({ path: '/v1/admin/enrol', body: { token: 'adm-0123456789abcdef0123456789abcdef' } })),
  'GET /v1/admin/me': admin(at('/v1/admin/me')),
  'POST /v1/admin/admins': admin((w) => ({ path: '/v1/admin/admins', body: { userId: w.bob.userId, role: 'operator' } }), true),
  'POST /v1/admin/admins/:userId/revoke': admin((w) => ({ path: `/v1/admin/admins/${w.orgAdmin.userId}/revoke`, body: reasonBody }), true),
  'GET /v1/admin/users/:userId': admin((w) => ({ path: `/v1/admin/users/${w.alice.userId}${reason}` }), false, 'unknown_user'),
  'GET /v1/admin/users/:userId/devices': admin((w) => ({ path: `/v1/admin/users/${w.alice.userId}/devices${reason}` }), false, 'unknown_user'),
  'GET /v1/admin/users/:userId/metadata-export': admin((w) => ({ path: `/v1/admin/users/${w.alice.userId}/metadata-export${reason}` }), false, 'unknown_user'),
  'POST /v1/admin/devices/:deviceId/suspend': admin((w) => ({ path: `/v1/admin/devices/${w.aliceTablet}/suspend`, body: reasonBody }), false, 'unknown_device'),
  'POST /v1/orgs': admin(() => ({ path: '/v1/orgs', body: { id: 'matrix-org', name: 'Matrix' } }), true),
  'GET /v1/orgs/:org': admin(at('/v1/orgs/default'), false, 'not_found'),
  'POST /v1/orgs/:org/domains': admin(() => ({ path: '/v1/orgs/default/domains', body: { domain: 'matrix.example' } }), true),
  'POST /v1/orgs/:org/signup': admin(() => ({ path: '/v1/orgs/default/signup', body: { signup: 'closed' } }), true, 'not_found'),
  'GET /v1/orgs/:org/members': admin(at('/v1/orgs/default/members'), false, 'not_found'),
  // Single sign-on (http/sso-routes.ts): settings are the organisation's owners' and admins'.
  'GET /v1/orgs/:org/sso': admin(at('/v1/orgs/default/sso'), true, 'not_found'),
  'PUT /v1/orgs/:org/sso': admin(
    () => ({ path: '/v1/orgs/default/sso', body: { issuer: 'https://idp.matrix.example', clientId: 'candor', clientSecret: 's3cret', allowedDomains: ['matrix.example'], requireSso: true, reauthMinutes: 60 } }),
    true,
    'not_found',
  ),
  'GET /v1/orgs/:org/sso/start': publicRoute('anyone may start a sign-in at an organisation’s provider', at('/v1/orgs/default/sso/start'), 'not_found'),
  'GET /v1/sso/callback': publicRoute('the provider sends the browser back; only a state this node issued is finished', at('/v1/sso/callback?code=forged&state=forged'), 'bad_request'),
  'POST /v1/orgs/:org/sso/device': publicRoute('anyone may start a device sign-in at an organisation’s provider', () => ({ path: '/v1/orgs/default/sso/device', body: {} }), 'not_found'),
  'POST /v1/sso/device/poll': publicRoute('only the holder of the handle learns the outcome', () => ({ path: '/v1/sso/device/poll', body: { handle: 'forged-handle' } }), 'not_found'),
  'POST /v1/orgs/:org/sso/backchannel-logout': publicRoute(
    'the provider posts logout tokens; only one it signed for this client ends sessions',
    () => ({ path: '/v1/orgs/default/sso/backchannel-logout', body: { logout_token: 'forged' } }),
    'not_found',
  ),
  'POST /v1/orgs/:org/contact-policy': admin(() => ({ path: '/v1/orgs/default/contact-policy', body: { requestsInside: true } }), true, 'not_found'),
  // Consent to be contacted (contacts/request-routes.ts): each person's own requests and blocks.
  'GET /v1/requests': session('own-data', at('/v1/requests')),
  'POST /v1/requests/:requestId/accept': session('not_found', (w) => ({ path: `/v1/requests/${w.request}/accept` })),
  'POST /v1/requests/:requestId/decline': session('not_found', (w) => ({ path: `/v1/requests/${w.request}/decline` })),
  'GET /v1/people': session(
    { allowed: 'members of one organisation find each other by user id prefix; never another organisation’s people, never a guest (sdk/test/people.test.ts)' },
    (w) => ({ path: `/v1/people?prefix=${encodeURIComponent(w.alice.userId.slice(0, 3))}` }),
  ),
  'PUT /v1/contacts/:userId': session({ allowed: 'anyone may make anyone their own contact: it only lets that person reach them without a request' }, (w) => ({ path: `/v1/contacts/${w.amy.userId}` })),
  'GET /v1/blocks': session('own-data', at('/v1/blocks')),
  'PUT /v1/blocks': session({ allowed: 'anyone may block anyone: it changes only their own list' }, (w) => ({ path: '/v1/blocks', body: { userId: w.amy.userId } })),
  'PUT /v1/blocks/:userId': session({ allowed: 'anyone may block anyone: it changes only their own list' }, (w) => ({ path: `/v1/blocks/${w.amy.userId}` })),
  'DELETE /v1/blocks/:userId': session('not_found', (w) => ({ path: `/v1/blocks/${w.blocked}` })),
  'GET /v1/policy': session('own-data', at('/v1/policy')),
  'GET /v1/organisation': session('own-data', at('/v1/organisation')),
  // Proofs of the caller's own organisation's audit log only (members' consistency checks, §4.8).
  'GET /v1/policy/consistency': session('own-data', at('/v1/policy/consistency?from=1&to=1')),
  'GET /v1/orgs/:org/policy': admin(at('/v1/orgs/default/policy'), false, 'not_found'),
  'PUT /v1/orgs/:org/policy': admin(() => ({ path: '/v1/orgs/default/policy', body: DEFAULT_ORG_POLICY }), true, 'not_found'),
  'GET /v1/orgs/:org/policy/versions': admin(at('/v1/orgs/default/policy/versions'), false, 'not_found'),
  'GET /v1/orgs/:org/policy/versions/:version': admin(at('/v1/orgs/default/policy/versions/1'), false, 'not_found'),
  'POST /v1/orgs/:org/approvals': admin((w) => ({ path: '/v1/orgs/default/approvals', body: { action: 'users.export', target: w.alice.userId, why: 'support_request', case: 'M-1' } }), true, 'not_found'),
  'GET /v1/orgs/:org/approvals': admin(at('/v1/orgs/default/approvals'), false, 'not_found'),
  'POST /v1/orgs/:org/approvals/:id/decline': admin((w) => ({ path: `/v1/orgs/default/approvals/${w.approval}/decline`, body: {} }), false, 'not_found'),
  'POST /v1/orgs/:org/approvals/:id/approve': admin(() => ({ path: '/v1/orgs/default/approvals/AAAAAAAAAAAAAAAAAAAAAA/approve', body: {} }), false, 'not_found'),
  // devices.adminApproval: people.approve, which a support admin does not hold (operatorOnly: refused to it).
  // Directory-linked conversations (docs/protocol.md §5.9): conversations.link (owner, admin) in the organisation, and a member of the conversation (sdk/test/directory-linked-conversation.test.ts).
  'PUT /v1/orgs/:org/directory-links/:groupId': admin((w) => ({ path: `/v1/orgs/default/directory-links/${w.group}`, body: { scimGroupId: w.scim.group } }), true, 'not_found'),
  'DELETE /v1/orgs/:org/directory-links/:groupId': admin((w) => ({ path: `/v1/orgs/default/directory-links/${w.group}` }), true, 'not_found'),
  'GET /v1/orgs/:org/directory-links': admin(at('/v1/orgs/default/directory-links'), true, 'not_found'),
  'GET /v1/groups/:groupId/directory-link': member((w) => ({ path: `/v1/groups/${w.group}/directory-link` })),
  'GET /v1/orgs/:org/held-devices': admin(at('/v1/orgs/default/held-devices'), true, 'not_found'),
  'POST /v1/orgs/:org/held-devices/:deviceId/approve': admin((w) => ({ path: `/v1/orgs/default/held-devices/${w.held}/approve`, body: reasonBody }), true, 'not_found'),
  'POST /v1/orgs/:org/held-devices/:deviceId/decline': admin((w) => ({ path: `/v1/orgs/default/held-devices/${w.held}/decline`, body: reasonBody }), true, 'not_found'),
  'GET /v1/orgs/:org/compliance/officers': admin(at('/v1/orgs/default/compliance/officers'), true, 'not_found'),
  'PUT /v1/orgs/:org/compliance/keys': admin(async (w) => ({ path: '/v1/orgs/default/compliance/keys', body: await w.compliance.keyUpload() }), true, 'not_found'),
  'GET /v1/orgs/:org/compliance/keys': { access: { kind: 'session', otherUser: { allowed: 'the organisation’s people read its published archive key: its archive seals to it' } }, build: at('/v1/orgs/default/compliance/keys') },
  'GET /v1/orgs/:org/compliance/keys/share': { access: { kind: 'session', otherUser: 'not_found' }, build: at('/v1/orgs/default/compliance/keys/share'), as: 'officer' },
  'POST /v1/orgs/:org/compliance/unlocks': officer(() => ({ path: '/v1/orgs/default/compliance/unlocks', body: { scope: { conversations: [], people: ['matrix-amy'], from: 0, to: 1 }, why: 'legal_obligation', case: 'M-9', ephemeralKey: toBase64Url(new Uint8Array(32).fill(9)) } }), 'forbidden'),
  'GET /v1/orgs/:org/compliance/unlocks': officer(at('/v1/orgs/default/compliance/unlocks'), 'forbidden'),
  'GET /v1/orgs/:org/compliance/unlocks/:id': officer((w) => ({ path: `/v1/orgs/default/compliance/unlocks/${w.compliance.unlock}` }), 'forbidden'),
  'POST /v1/orgs/:org/compliance/unlocks/:id/approvals': officer(
    (w, as) => ({
      path: `/v1/orgs/default/compliance/unlocks/${w.compliance.unlock}/approvals`,
      body: {
        approval: { v: 1, org: 'default', request: w.compliance.unlock, requestHash: toBase64Url(new Uint8Array(32)), keyVersion: 1, user: as.userId, device: as.deviceId, share: { enc: toBase64Url(new Uint8Array(32).fill(1)), ct: toBase64Url(new Uint8Array(49)) }, at: 1 },
        signature: toBase64Url(new Uint8Array(64)),
      },
    }),
    'forbidden',
  ),
  'POST /v1/orgs/:org/compliance/unlocks/:id/open': officer((w) => ({ path: `/v1/orgs/default/compliance/unlocks/${w.compliance.unlock}/open`, body: {} }), 'forbidden'),
  'POST /v1/orgs/:org/compliance/unlocks/:id/export': officer(
    (w) => ({ path: `/v1/orgs/default/compliance/unlocks/${w.compliance.unlock}/export`, body: { signature: toBase64Url(new Uint8Array(64)), manifestSha256: toBase64Url(new Uint8Array(32)), exportKey: toBase64Url(new Uint8Array(32).fill(2)) } }),
    'forbidden',
  ),
  'POST /v1/orgs/:org/compliance/holds': officer(() => ({ path: '/v1/orgs/default/compliance/holds', body: { target: 'user:matrix-bob', case: 'LH-M' } }), 'forbidden'),
  'POST /v1/orgs/:org/compliance/holds/:id/release': officer((w) => ({ path: `/v1/orgs/default/compliance/holds/${w.compliance.hold}/release`, body: {} }), 'forbidden'),
  'GET /v1/orgs/:org/compliance/holds': officer(at('/v1/orgs/default/compliance/holds'), 'not_found'),
  // Its archive reads them too (archive-erasure-notice.test.ts: another organisation's archive is refused).
  'GET /v1/orgs/:org/compliance/erasures': officer(at('/v1/orgs/default/compliance/erasures?from=0'), 'not_found'),
  'GET /v1/legal-holds': { access: { kind: 'session', otherUser: 'own-data' }, build: at('/v1/legal-holds') },
  'GET /v1/orgs/:org/audit': admin(at('/v1/orgs/default/audit'), true, 'not_found'),
  'GET /v1/orgs/:org/audit/consistency': admin(at('/v1/orgs/default/audit/consistency?from=1&to=1'), true, 'not_found'),
  'GET /v1/orgs/:org/siem': admin(at('/v1/orgs/default/siem'), true, 'not_found'),
  'PUT /v1/orgs/:org/siem': admin(() => ({ path: '/v1/orgs/default/siem', body: {} }), true, 'not_found'),
  'POST /v1/orgs/:org/scim-tokens': admin(() => ({ path: '/v1/orgs/default/scim-tokens', body: {} }), true),
  'GET /v1/orgs/:org/scim-tokens': admin(at('/v1/orgs/default/scim-tokens'), true),
  'DELETE /v1/orgs/:org/scim-tokens/:tokenId': admin((w) => ({ path: `/v1/orgs/default/scim-tokens/${w.scim.tokenId}` }), true),
  'GET /scim/v2/ServiceProviderConfig': scimRoute('allowed', at('/scim/v2/ServiceProviderConfig')),
  'GET /scim/v2/ResourceTypes': scimRoute('allowed', at('/scim/v2/ResourceTypes')),
  'GET /scim/v2/ResourceTypes/:id': scimRoute('allowed', at('/scim/v2/ResourceTypes/User')),
  'GET /scim/v2/Schemas': scimRoute('allowed', at('/scim/v2/Schemas')),
  'GET /scim/v2/Schemas/:id': scimRoute('allowed', at(`/scim/v2/Schemas/${encodeURIComponent(SCIM_USER)}`)),
  'GET /scim/v2/Users': scimRoute('own-data', at('/scim/v2/Users')),
  // Another organisation provisioning this one's person: the user id is taken.
  'POST /scim/v2/Users': scimRoute(409, (w) => ({ path: '/scim/v2/Users', body: { schemas: [SCIM_USER], userName: w.scim.userName, externalId: 'sam-1' } })),
  'GET /scim/v2/Users/:id': scimRoute(404, (w) => ({ path: `/scim/v2/Users/${w.scim.user}` })),
  'PUT /scim/v2/Users/:id': scimRoute(404, (w) => ({ path: `/scim/v2/Users/${w.scim.user}`, body: { schemas: [SCIM_USER], userName: w.scim.userName, active: false } })),
  'PATCH /scim/v2/Users/:id': scimRoute(404, (w) => ({ path: `/scim/v2/Users/${w.scim.user}`, body: { schemas: [SCIM_PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] } })),
  'DELETE /scim/v2/Users/:id': scimRoute(404, (w) => ({ path: `/scim/v2/Users/${w.scim.user}` })),
  'GET /scim/v2/Groups': scimRoute('own-data', at('/scim/v2/Groups')),
  // Another organisation's group naming this one's person: no such member there.
  'POST /scim/v2/Groups': scimRoute(400, (w) => ({ path: '/scim/v2/Groups', body: { schemas: [SCIM_GROUP], displayName: 'Stolen', members: [{ value: w.scim.user }] } })),
  'GET /scim/v2/Groups/:id': scimRoute(404, (w) => ({ path: `/scim/v2/Groups/${w.scim.group}` })),
  'PUT /scim/v2/Groups/:id': scimRoute(404, (w) => ({ path: `/scim/v2/Groups/${w.scim.group}`, body: { schemas: [SCIM_GROUP], displayName: 'Renamed', members: [] } })),
  'PATCH /scim/v2/Groups/:id': scimRoute(404, (w) => ({ path: `/scim/v2/Groups/${w.scim.group}`, body: { schemas: [SCIM_PATCH], Operations: [{ op: 'remove', path: 'members' }] } })),
  'DELETE /scim/v2/Groups/:id': scimRoute(404, (w) => ({ path: `/scim/v2/Groups/${w.scim.group}` })),
}

/**
 * What a frame of each type does when it is not the first frame of a signed-in socket, and what
 * a signed-in device that may not use it gets. Typed over every FrameType, so a new frame type
 * does not compile without its row.
 */
export interface FrameRow {
  frame: (w: World, as: RawDevice) => Uint8Array
  /** What a signed-in device that is no member / not the owner gets (an error frame's code). */
  signedIn: ErrorCode | 'ack-foreign' | 'reauth'
}

export const FRAME_ROWS: { [K in keyof typeof FrameType]: FrameRow } = {
  send: { frame: (w) => encodeSend({ reqId: 7, messageId: newMessageId(), groupId: w.group, payload: mlsMessage(w.group, 0, 1) }), signedIn: 'not_member' },
  ack: { frame: () => encodeAck([1]), signedIn: 'ack-foreign' },
  auth: { frame: (w) => encodeAuth(w.alice.token), signedIn: 'reauth' },
  accepted: { frame: () => encodeAccepted(7, Date.now()), signedIn: 'malformed_frame' },
  error: { frame: () => encodeError(7, 'internal', 'x'), signedIn: 'malformed_frame' },
  deliver: {
    frame: (w, as) => encodeDeliver({ seq: 1, kind: 0, messageId: newMessageId(), groupId: w.group, sentAt: Date.now(), sender: as.deviceId, payload: mlsMessage(w.group, 0, 1) }),
    signedIn: 'malformed_frame',
  },
  notice: { frame: () => encodeNotice({ kind: 'synced' }), signedIn: 'malformed_frame' },
  sendEphemeral: { frame: (w) => encodeSendEphemeral({ reqId: 7, messageId: newMessageId(), groupId: w.group, payload: new Uint8Array(40) }), signedIn: 'not_member' },
  ephemeral: { frame: (w, as) => encodeEphemeral({ kind: 0, groupId: w.group, sender: as.deviceId, payload: new Uint8Array(40) }), signedIn: 'malformed_frame' },
}

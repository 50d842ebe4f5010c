// The world the authorisation matrix (and the HTTP fuzzer) acts in: alice with a second device
// and a pending enrolment request, her group with amy on its roster (amy's queue holds seq 1),
// bob who is nothing of hers, a revoked device with its unexpired token, an operator admin and
// a support admin of the default organisation, one access receipt in the log.
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { DEFAULT_ORG_POLICY, approvalStatement, enrolmentStatement, newGroupId, newMessageId, randomBytes, recoveryKeyStatement, toBase64Url, type DeviceId, type UserId } from '@candor/protocol'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import type { Store } from '@candor/ports'
import { keyCeremony, keyRecordBytes } from '@candor/compliance'
import type { CandorServer } from '../src/index.ts'
import { http, httpBytes, rawRegister, type RawDevice } from './raw-client.ts'
import type { World } from './authorization-matrix.ts'
import { rawGroup } from './raw-mls.ts'

function must(ok: boolean, what: string): void {
  if (!ok) throw new Error(`setting up the world failed: ${what}`)
}

/** One hash per file of a blob folder (name and bytes): with databaseDigest, what "nothing changed" compares. */
export function folderDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of readdirSync(dir).sort()) out[`blobs/${f}`] = createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')
  return out
}

/** One hash per table of the whole database, rows in a stable order: what "nothing changed" compares. */
export function databaseDigest(db: Database.Database): Record<string, string> {
  const out: Record<string, string> = {}
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]
  for (const t of tables) {
    const rows = (db.prepare(`SELECT * FROM "${t}"`).raw().all() as unknown[][]).map((r) => JSON.stringify(r.map((v) => (v instanceof Uint8Array ? toBase64Url(v) : v))))
    out[t] = createHash('sha256').update(rows.sort().join('\n')).digest('hex')
  }
  return out
}

/** An enrolment request for `userId` by a fresh key. */
async function enrolRequest(base: string, userId: string): Promise<{ deviceId: DeviceId; publicKey: string }> {
  const k = generateDeviceKey()
  const publicKey = toBase64Url(k.publicKey)
  const r = await http(base, 'POST', '/v1/enrolments', { userId, publicKey, deviceName: 'tablet', signature: toBase64Url(signDetached(k.secretKey, enrolmentStatement(userId, publicKey, 'tablet'))) })
  must(r.status === 202, 'an enrolment request is filed')
  return { deviceId: r.json.deviceId as DeviceId, publicKey }
}

/** Someone with a key and no account: what a stranger signs with. */
export function strangerDevice(): RawDevice {
  const k = generateDeviceKey()
  return { userId: 'matrix-stranger', deviceId: toBase64Url(k.publicKey.subarray(0, 16)) as DeviceId, token: '', publicKey: k.publicKey, secretKey: k.secretKey }
}

export async function buildWorld(server: CandorServer, store: Store): Promise<World> {
  const base = server.url
  const alice = await rawRegister(base, 'matrix-alice')
  const tablet = await enrolRequest(base, alice.userId)
  const approve = await http(base, 'POST', `/v1/enrolments/${tablet.deviceId}/approve`, { signature: toBase64Url(signDetached(alice.secretKey, approvalStatement(alice.deviceId, alice.userId, tablet.publicKey))) }, alice.token)
  must(approve.status === 200, 'alice approves her tablet')
  const pending = await enrolRequest(base, alice.userId)
  const amy = await rawRegister(base, 'matrix-amy')
  const bob = await rawRegister(base, 'matrix-bob')
  // A device of amy's that her device approved and `default`'s policy held for an admin (devices.adminApproval).
  const amyLaptop = await enrolRequest(base, amy.userId)
  const heldAttestation = { by: amy.deviceId, signature: signDetached(amy.secretKey, approvalStatement(amy.deviceId, amy.userId, amyLaptop.publicKey)) }
  must((await store.approveEnrolment(amyLaptop.deviceId, amy.userId as never, heldAttestation, Date.now(), 20, true))?.status === 'pending', 'amy’s laptop is held')
  const revoked = await rawRegister(base, 'matrix-rita')
  must((await http(base, 'DELETE', `/v1/devices/${revoked.deviceId}`, undefined, revoked.token)).status === 200, 'rita revokes her device')
  const admin = await rawRegister(base, 'matrix-ops')
  must((await http(base, 'POST', '/v1/admin/enrol', { token: await server.context.admins.enrolmentToken() }, admin.token)).status === 201, 'the operator admin enrols')
  const orgAdmin = await rawRegister(base, 'matrix-olga')
  must((await http(base, 'POST', '/v1/admin/admins', { userId: orgAdmin.userId, role: 'support' }, admin.token)).status === 201, 'an organisation role (support) is granted')
  // One receipt in the access log, so its consistency route has sizes to be asked about.
  must((await http(base, 'GET', `/v1/admin/users/${amy.userId}?why=support_request&case=T-1`, undefined, admin.token)).status === 200, 'the admin reads amy’s account')

  // Alice's group with amy added by a real MLS commit (the server validates it): amy's queue
  // holds the welcome, seq 1.
  const made = await rawGroup(base, alice, [amy])
  const group = made.groupId
  must((await store.pendingCount(amy.deviceId)) === 1, 'amy’s queue holds the welcome')

  // SCIM: a token of `default` (the operator is its owner), one revoked, and a token of another
  // organisation (made by its owner); one provisioned person and one group in `default`.
  const scimToken = async (org: string, owner: RawDevice) => {
    const r = await http(base, 'POST', `/v1/orgs/${org}/scim-tokens`, {}, owner.token)
    must(r.status === 201, `a SCIM token of ${org}`)
    return r.json as { id: string; token: string }
  }
  const scimOwn = await scimToken('default', admin)
  const scimRevoked = await scimToken('default', admin)
  must((await http(base, 'DELETE', `/v1/orgs/default/scim-tokens/${scimRevoked.id}`, undefined, admin.token)).status === 200, 'a SCIM token revoked')
  must((await http(base, 'PUT', '/v1/orgs/default/policy', DEFAULT_ORG_POLICY, admin.token)).status === 200, 'a first policy version (the version rows read it)')
  const approval = await http(base, 'POST', '/v1/orgs/default/approvals', { action: 'users.read', target: amy.userId, why: 'support_request', case: 'T-2' }, admin.token)
  must(approval.status === 201, 'a pending approval request')
  // Alice's own pending data-rights request: filed while the policy put export under approval, then the policy allows it again.
  must((await http(base, 'PUT', '/v1/orgs/default/policy', { ...DEFAULT_ORG_POLICY, dataRights: { export: 'approval', deletion: 'allowed' } }, admin.token)).status === 200, 'export under approval')
  const dataRight = await http(base, 'POST', '/v1/account/data-rights', { right: 'export' }, alice.token)
  must(dataRight.status === 202, 'alice’s pending data-rights request')
  must((await http(base, 'PUT', '/v1/orgs/default/policy', DEFAULT_ORG_POLICY, admin.token)).status === 200, 'the policy allows it again')
  must((await http(base, 'POST', '/v1/orgs', { id: 'matrix-other', name: 'Other', signup: 'open' }, admin.token)).status === 201, 'another organisation')
  const otherOwner = await rawRegister(base, 'matrix-otto', 'matrix-other')
  must((await http(base, 'POST', '/v1/admin/admins', { userId: otherOwner.userId, role: 'owner' }, admin.token)).status === 201, 'its owner')
  const scimOther = await scimToken('matrix-other', otherOwner)
  const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
  const sam = await http(base, 'POST', '/scim/v2/Users', { schemas: [USER], userName: 'matrix-sam', externalId: 'sam-1' }, scimOwn.token)
  must(sam.status === 201, 'a provisioned person')
  const team = await http(base, 'POST', '/scim/v2/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Team', members: [{ value: sam.json.id }] }, scimOwn.token)
  must(team.status === 201, 'a SCIM group')
  // Alice's attachment blobs in her group: one complete, one upload not started (a server
  // without a blob store answers `unavailable` to every blob route, and the ids are made up).
  let blob = newMessageId() as string
  let upload = newMessageId() as string
  if (server.context.blobs) {
    const made = await http(base, 'POST', `/v1/groups/${group}/blobs`, { size: 10 }, alice.token)
    must(made.status === 201, 'alice creates a blob')
    blob = made.json.blobId as string
    must((await httpBytes(base, 'PUT', `/v1/blobs/${blob}?offset=0`, new Uint8Array(10).fill(7), alice.token)).status === 200, 'alice uploads it')
    must((await http(base, 'POST', `/v1/blobs/${blob}/complete`, {}, alice.token)).status === 200, 'alice completes it')
    const started = await http(base, 'POST', `/v1/groups/${group}/blobs`, { size: 10 }, alice.token)
    must(started.status === 201, 'alice starts another upload')
    upload = started.json.blobId as string
  }
  // Alice's invite link: the server holds the secret's hash, which is its id.
  const inviteSecret = crypto.getRandomValues(new Uint8Array(32))
  const invite = Buffer.from(await crypto.subtle.digest('SHA-256', inviteSecret)).toString('base64url')
  must((await http(base, 'POST', '/v1/invites', { secretHash: invite, maxUses: 5, expiresInSeconds: 3600 }, alice.token)).status === 201, 'alice makes an invite link')
  // Alice's recovery key, her backup under it (complete) and a transfer to her tablet not started.
  const recovery = generateDeviceKey()
  const recoveryPk = toBase64Url(recovery.publicKey)
  const recoveryStatement = recoveryKeyStatement(alice.userId, alice.deviceId, recoveryPk, null)
  const setRecovery = await http(
    base,
    'PUT',
    '/v1/recovery-key',
    { publicKey: recoveryPk, previous: null, signature: toBase64Url(signDetached(alice.secretKey, recoveryStatement)), proof: toBase64Url(signDetached(recovery.secretKey, recoveryStatement)) },
    alice.token,
  )
  must(setRecovery.status === 200, 'alice sets her recovery key')
  let archive = newMessageId() as string
  let archiveUpload = newMessageId() as string
  if (server.context.blobs) {
    const backup = await http(base, 'POST', '/v1/archives', { recipient: 'recovery', size: 10 }, alice.token)
    must(backup.status === 201, 'alice starts a backup')
    archive = backup.json.archiveId as string
    must((await httpBytes(base, 'PUT', `/v1/archives/${archive}?offset=0`, new Uint8Array(10).fill(9), alice.token)).status === 200, 'alice uploads it')
    must((await http(base, 'POST', `/v1/archives/${archive}/complete`, {}, alice.token)).status === 200, 'alice completes it')
    const transfer = await http(base, 'POST', '/v1/archives', { recipient: tablet.deviceId, size: 10 }, alice.token)
    must(transfer.status === 201, 'alice starts a transfer to her tablet')
    archiveUpload = transfer.json.archiveId as string
  }
  // A contact request to alice from amy, holding its welcome, and a user alice blocks.
  const amyGroup = newGroupId()
  must(await store.createGroup(amyGroup, amy.deviceId, Date.now()), 'amy creates a group')
  const request = toBase64Url(randomBytes(16))
  const held = await store.contacts().hold(
    {
      recipient: alice.userId as UserId,
      groupId: amyGroup,
      devices: [alice.deviceId],
      message: { messageId: newMessageId(), groupId: amyGroup, sender: amy.deviceId, kind: 2, sentAt: Date.now(), payload: new Uint8Array([0, 1, 0, 3]) },
      open: { requestId: request, sender: amy.userId as UserId, senderDevice: amy.deviceId, createdAt: Date.now() },
    },
    { perRequest: 20, perSender: 200, perRecipient: 500 },
  )
  must(held.held, 'amy’s request to alice is pending')
  const pest = await rawRegister(base, 'matrix-pest')
  must((await http(base, 'PUT', `/v1/blocks/${pest.userId}`, undefined, alice.token)).status === 200, 'alice blocks pest')

  // Compliance in `default`: cora is its only officer; her device holds the one share of archive
  // key version 1 (a real ceremony), she files an unlock request and places a hold on amy.
  const officer = await rawRegister(base, 'matrix-cora')
  must((await http(base, 'POST', '/v1/admin/admins', { userId: officer.userId, role: 'compliance_officer' }, admin.token)).status === 201, 'a compliance officer')
  const ceremony = async (version: number) => {
    const { record, shares } = await keyCeremony('default', version, 1, [{ user: officer.userId, device: officer.deviceId, publicKey: officer.publicKey }], Date.now())
    return { record, shares, signature: toBase64Url(signDetached(officer.secretKey, keyRecordBytes(record))) }
  }
  must((await http(base, 'PUT', '/v1/orgs/default/compliance/keys', await ceremony(1), officer.token)).status === 201, 'the key ceremony')
  const unlock = await http(base, 'POST', '/v1/orgs/default/compliance/unlocks', { scope: { conversations: [], people: [amy.userId], from: 0, to: 1 }, why: 'legal_obligation', case: 'M-1', ephemeralKey: toBase64Url(new Uint8Array(32).fill(5)) }, officer.token)
  must(unlock.status === 201, 'an unlock request')
  const hold = await http(base, 'POST', '/v1/orgs/default/compliance/holds', { target: `user:${amy.userId}`, case: 'LH-1' }, officer.token)
  must(hold.status === 201, 'a legal hold on amy')

  const directory = (await http(base, 'GET', '/v1/directory')).json as unknown as { checkpoint: string }
  const accessLog = (await http(base, 'GET', '/v1/access-log')).json as unknown as { checkpoint: string }
  const w: World = {
    alice,
    aliceTablet: tablet.deviceId,
    amy,
    bob,
    revoked,
    admin,
    orgAdmin,
    // An admin of another organisation: the owner of matrix-other.
    otherOrgAdmin: otherOwner,
    group,
    groupState: made.state,
    groupInfo: made.groupInfo,
    pending,
    request,
    blocked: pest.userId,
    directorySize: Number(directory.checkpoint.split('\n')[1]),
    accessLogSize: Number(accessLog.checkpoint.split('\n')[1]),
    checkpoint: directory.checkpoint,
    approval: approval.json.id as string,
    dataRight: dataRight.json.id as string,
    held: amyLaptop.deviceId,
    scim: { token: scimOwn.token, tokenId: scimOwn.id, revoked: scimRevoked.token, otherOrg: scimOther.token, user: sam.json.id as string, userName: 'matrix-sam', group: team.json.id as string },
    blob,
    upload,
    invite,
    recovery: { publicKey: recoveryPk, secretKey: recovery.secretKey },
    archive,
    archiveUpload,
    officer,
    compliance: { unlock: unlock.json.id as string, hold: hold.json.id as string, keyUpload: () => ceremony(2) },
    challenge: async () => (await http(base, 'POST', '/v1/auth/challenge', { deviceId: alice.deviceId })).json.challenge as string,
  }
  must(w.accessLogSize > 0, 'an access receipt in the log')
  return w
}

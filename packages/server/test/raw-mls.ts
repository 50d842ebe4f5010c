// Real MLS for tests that speak raw HTTP (raw-client.ts): a raw device's key packages, a new
// group's state and GroupInfo, commits built with @candor/crypto. The server validates every
// handshake against the group's public state (docs/protocol.md §5.1), so a test that wants to
// reach past that check must build the real thing — or junk on purpose (junkCommit).
import {
  clientConfigWith,
  commitChanges,
  decodeKeyPackage,
  getSuite,
  groupInfoForExternalJoin,
  joinByExternalCommit,
  newKeyPackage,
  startGroup,
  type GroupState,
  type KeyPackage,
  type MlsSuite,
  type StoredKeyPackage,
} from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { fromBase64Url, newGroupId, newMessageId, toBase64Url, type GroupId } from '@candor/protocol'
import { http } from './raw-client.ts'

export { junkCommit } from '@candor/crypto'

export const rawSuite: Promise<MlsSuite> = getSuite(nodeCryptoProvider())
/** A raw client checks nobody's credentials (as a hostile one would not). */
export const rawConfig = clientConfigWith({ validateCredential: async () => true })

export interface MlsKeys {
  userId: string
  deviceId: string
  publicKey: Uint8Array
  secretKey: Uint8Array
}

export interface RawKeyPackage {
  stored: StoredKeyPackage
  keyPackage: KeyPackage
}

export async function keyPackageOf(d: MlsKeys): Promise<RawKeyPackage> {
  const stored = await newKeyPackage(await rawSuite, d, false)
  return { stored, keyPackage: decodeKeyPackage(fromBase64Url(stored.publicPackage)!) }
}

/** Uploads one key package of the raw device (so others can claim it) and returns it. */
export async function uploadKeyPackage(base: string, d: MlsKeys & { token: string }): Promise<RawKeyPackage> {
  const kp = await keyPackageOf(d)
  const r = await http(base, 'POST', '/v1/key-packages', { oneTime: [kp.stored.publicPackage] }, d.token)
  if (r.status !== 200) throw new Error(`key package upload failed: ${JSON.stringify(r.json)}`)
  return kp
}

/** The key packages a claim hands out (one per device of the user, or of the listed devices). */
export async function claimKeyPackages(base: string, token: string, userId: string, deviceIds?: string[]): Promise<KeyPackage[]> {
  const r = await http(base, 'POST', `/v1/users/${encodeURIComponent(userId)}/key-packages/claim`, deviceIds ? { deviceIds } : {}, token)
  if (r.status !== 200) throw new Error(`claim failed: ${JSON.stringify(r.json)}`)
  return (r.json.keyPackages as { keyPackage: string }[]).map((k) => decodeKeyPackage(fromBase64Url(k.keyPackage)!))
}

export interface NewGroup {
  groupId: GroupId
  state: GroupState
  /** The new group's GroupInfo (base64url), as POST /v1/groups and resets take it. */
  groupInfo: string
}

/** A new group's first state with `d` as its only member, not posted anywhere. */
export async function newGroupState(d: MlsKeys, groupId: GroupId = newGroupId()): Promise<NewGroup> {
  const suite = await rawSuite
  const state = await startGroup(suite, rawConfig, fromBase64Url(groupId)!, (await keyPackageOf(d)).stored)
  return { groupId, state, groupInfo: toBase64Url(await groupInfoForExternalJoin(suite, state)) }
}

/** Creates a group on the server (POST /v1/groups with its GroupInfo); throws unless 201. */
export async function createGroup(base: string, d: MlsKeys & { token: string }, groupId?: GroupId): Promise<NewGroup> {
  const g = await newGroupState(d, groupId)
  const r = await http(base, 'POST', '/v1/groups', { groupId: g.groupId, groupInfo: g.groupInfo }, d.token)
  if (r.status !== 201) throw new Error(`create group failed: ${JSON.stringify(r.json)}`)
  return g
}

export interface CommitBody {
  messageId: string
  commit: string
  groupInfo: string
  welcome?: string
}

/** A real commit adding these key packages and removing these leaves: the request body and the committer's next state. */
export async function commitBody(state: GroupState, change: { add?: KeyPackage[]; remove?: number[] } = {}): Promise<{ body: CommitBody; state: GroupState }> {
  const out = await commitChanges(await rawSuite, state, change.add ?? [], change.remove ?? [])
  return {
    body: {
      messageId: newMessageId(),
      commit: toBase64Url(out.commit),
      groupInfo: toBase64Url(out.groupInfo),
      ...(out.welcome ? { welcome: toBase64Url(out.welcome) } : {}),
    },
    state: out.state,
  }
}

/** An external commit (resync) by `d` from the group's GroupInfo (base64url), as POST …/external-commits takes it. */
export async function externalCommitBody(d: MlsKeys, groupInfo: string): Promise<{ body: CommitBody; state: GroupState }> {
  const suite = await rawSuite
  const j = await joinByExternalCommit(suite, rawConfig, fromBase64Url(groupInfo)!, (await keyPackageOf(d)).stored, { resync: true })
  return { body: { messageId: newMessageId(), commit: toBase64Url(j.commit), groupInfo: toBase64Url(j.groupInfo) }, state: j.state }
}

/**
 * A group on the server made of the creator and these devices, added by one real commit (their
 * key packages made here, from their keys). Returns the creator's state after it.
 */
export async function rawGroup(base: string, creator: MlsKeys & { token: string }, members: readonly MlsKeys[], groupId?: GroupId): Promise<NewGroup> {
  const g = await createGroup(base, creator, groupId)
  if (members.length === 0) return g
  const kps = await Promise.all(members.map((m) => keyPackageOf(m)))
  const c = await commitBody(g.state, { add: kps.map((k) => k.keyPackage) })
  const r = await http(base, 'POST', `/v1/groups/${g.groupId}/commits`, c.body, creator.token)
  if (r.status !== 200) throw new Error(`adding the members failed: ${JSON.stringify(r.json)}`)
  return { ...g, state: c.state, groupInfo: c.body.groupInfo }
}

/** A reset request body (docs/protocol.md §5.4) whose new group's GroupInfo is `d`'s. */
export async function resetBody(d: MlsKeys, previousGroup: string, epoch: number, groupId: GroupId = newGroupId()) {
  return { previousGroup, epoch, groupId, groupInfo: (await newGroupState(d, groupId)).groupInfo }
}

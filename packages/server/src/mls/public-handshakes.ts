// The delivery service's checks of MLS handshakes against each group's public state
// (docs/protocol.md §5.1, §5.2): a new group's GroupInfo (POST /v1/groups and resets share
// checkNewGroup), and a commit against the group's stored GroupInfo (validatedCommit). The MLS
// checks are @candor/crypto's; here are the checks only the server can make: the committer is
// the authenticated device, and every new leaf names an active device of its user with the key
// that device registered.
import { checkNewGroupInfo, getSuites, loadPublicGroup, treeLeaves, validatePublicCommit, type PublicGroup, type ValidatedCommit } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorError, bytesEqual, opaqueIdBytes, type DeviceId, type GroupId, type UserId } from '@candor/protocol'
import type { DeviceRecord } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { serverProposalsFor } from './external-removals.ts'
import { checkExternalJoin } from './device-replacement.ts'
import { checkContactScope } from '../organisations/policy/policy-enforcement.ts'

/** Built once, when this module loads. */
const suite = getSuites(nodeCryptoProvider())

/**
 * The public state this process last validated per group, with the GroupInfo bytes it is
 * decoded from: decoding a large tree is most of a commit's validation, and the next commit of
 * the group starts from it. Used only while the stored bytes are exactly these (another node, or
 * a commit that lost the race, stored others). Bounded; dropped oldest first.
 */
const decoded = new Map<GroupId, { bytes: Uint8Array; group: PublicGroup }>()
const MAX_DECODED = 256

function remember(groupId: GroupId, bytes: Uint8Array, group: PublicGroup): void {
  decoded.delete(groupId)
  if (decoded.size >= MAX_DECODED) decoded.delete(decoded.keys().next().value!)
  decoded.set(groupId, { bytes, group })
}

/** The group's stored public state, decoded (from this process's last validation when it is still the stored one); null when none is stored. */
export async function storedPublicGroup(ctx: AppContext, groupId: GroupId): Promise<PublicGroup | null> {
  const stored = await ctx.store.groupInfo(groupId)
  if (!stored) return null
  const hit = decoded.get(groupId)
  if (hit && bytesEqual(hit.bytes, stored)) return hit.group
  const group = loadPublicGroup(stored)
  remember(groupId, stored, group)
  return group
}

/** Whether the group's stored public state has a leaf of this user (who may then read its GroupInfo and take an old leaf's place, device-replacement.ts). */
export async function hasLeafOf(ctx: AppContext, groupId: GroupId, userId: UserId): Promise<boolean> {
  const group = await storedPublicGroup(ctx, groupId)
  return group !== null && treeLeaves(group.tree).some((l) => l.userId === userId)
}

export interface Caller {
  userId: UserId
  deviceId: DeviceId
}

interface LeafFacts {
  userId: string
  deviceId: string
  signatureKey: Uint8Array
}

/** The active device a leaf names, with the key it registered; throws otherwise. */
async function activeDeviceOf(ctx: AppContext, leaf: LeafFacts, what: string): Promise<DeviceRecord> {
  const dev = await ctx.store.getDevice(leaf.deviceId as DeviceId)
  if (!dev || dev.status !== 'active' || dev.userId !== leaf.userId) {
    throw new CandorError('unknown_device', `${what} ${leaf.deviceId} is not an active device of ${leaf.userId}`)
  }
  if (!bytesEqual(dev.publicKey, leaf.signatureKey)) throw new CandorError('invalid_mls_message', `${what} ${leaf.deviceId}'s leaf is not signed with the device's key`)
  return dev
}

/**
 * A new group's GroupInfo (epoch 0, the caller's device its only leaf, with its registered key),
 * as POST /v1/groups and a conversation reset take it. Throws CandorError('invalid_mls_message' | 'forbidden').
 */
export async function checkNewGroup(ctx: AppContext, groupId: GroupId, groupInfo: Uint8Array, caller: Caller): Promise<void> {
  const { creator } = await checkNewGroupInfo(await suite, groupInfo, opaqueIdBytes(groupId, 'groupId'), ctx.mlsSender)
  if (creator.deviceId !== caller.deviceId || creator.userId !== caller.userId) {
    throw new CandorError('forbidden', "the group info's only leaf must be this device")
  }
  await activeDeviceOf(ctx, creator, 'the creator')
}

/** The group's stored public state; a group made before the server validated handshakes has none. */
export async function storedGroupInfo(ctx: AppContext, groupId: GroupId): Promise<Uint8Array> {
  const stored = await ctx.store.groupInfo(groupId)
  if (!stored) throw new CandorError('conflict', 'this group has no public state on the server (made before commits were validated); reset it', { details: { publicState: 'missing' } })
  return stored
}

/**
 * A commit (member or external) validated against the group's stored GroupInfo, committed by
 * the caller's device, every added leaf an active device with its registered key. An external
 * commit must be a resync (it removes the caller's own old leaf; `onRoster`), or, from a device
 * not on the roster, take the place of a non-active leaf of its own user (docs/protocol.md §5.2,
 * device-replacement.ts).
 */
export async function validatedCommit(
  ctx: AppContext,
  groupId: GroupId,
  caller: Caller,
  commit: Uint8Array,
  groupInfo: Uint8Array,
  options: { external: boolean; onRoster?: boolean },
): Promise<ValidatedCommit> {
  const stored = await storedGroupInfo(ctx, groupId)
  const hit = decoded.get(groupId)
  // A member commit may name the server's own removal proposals by reference (§5.7).
  const serverProposals = serverProposalsFor(ctx, ctx.mlsSender, groupId)
  const v = await validatePublicCommit(await suite, hit && bytesEqual(hit.bytes, stored) ? hit.group : stored, commit, groupInfo, { external: options.external, serverProposals })
  if (v.committer.deviceId !== caller.deviceId || v.committer.userId !== caller.userId) {
    throw new CandorError('forbidden', 'the commit is signed by another device than the one posting it')
  }
  await activeDeviceOf(ctx, v.committer, 'the committer')
  if (options.external) await checkExternalJoin(ctx, v, caller, options.onRoster ?? true)
  for (const leaf of v.added) await activeDeviceOf(ctx, leaf, 'added device')
  // Who may talk to whom, by each organisation's policy (contacts.scope, partners, guests).
  await checkContactScope(ctx, v.added.map((l) => l.userId), v.members.map((l) => l.userId))
  remember(groupId, groupInfo, v.group)
  return v
}

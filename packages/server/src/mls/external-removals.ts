// Removing people who are gone — deprovisioned over SCIM, every device revoked, or erased — from every
// group by an MLS proposal of the server as the group's external sender (docs/protocol.md §5.7);
// the next member online commits it by reference.
//
// The server proposes, for a group whose context names its sender, the removal of each leaf whose
// person has no active device left, and delivers each proposal (deliver kind 3, sender the
// all-zero id) to the group's roster. Ed25519 is deterministic, so the same group state gives
// the same proposals: the validator recomputes them to resolve a commit's references
// (`serverProposalsFor`), on any node, with nothing stored; a proposal made again (after a commit
// that did not take it) has the same message id at the same epoch, so it is stored once.
// After every accepted commit the group is looked at again: a leaf of a gone person still in it
// is proposed anew at the new epoch.
import { getSuites, loadPublicGroup, proposeServerRemoval, serverSenderOf, treeLeaves, type PublicGroup, type ServerProposal, type ServerProposals } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { bytesEqual, toBase64Url, type DeviceId, type GroupId, type MessageId, type UserId } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import type { ServerSenderKeys } from './server-sender.ts'

const suite = getSuites(nodeCryptoProvider())

/** The deliver frame's sender of a server proposal: no device's id (device ids are key hashes). */
export const SERVER_SENDER_ID = 'AAAAAAAAAAAAAAAAAAAAAA' as DeviceId

/** Whether a group's context names this server as its external sender. */
function namesUs(group: PublicGroup, sender: ServerSenderKeys): boolean {
  const named = serverSenderOf(group.groupContext.extensions)
  return named !== null && bytesEqual(named.publicKey, sender.publicKey)
}

/** A person is gone when no device of theirs is active (deprovisioned, every device revoked, erased). */
async function gone(ctx: AppContext, userId: string, cache: Map<string, Promise<boolean>>): Promise<boolean> {
  let g = cache.get(userId)
  if (g === undefined) {
    g = ctx.store.listDevices(userId as UserId).then((ds) => !ds.some((d) => d.status === 'active'))
    cache.set(userId, g)
  }
  return g
}

/**
 * The removals the server proposes for this group state now (none if the group does not name
 * it). A leaf whose device is on the delivery roster is active: only the others are looked up.
 */
export async function removalsFor(ctx: AppContext, sender: ServerSenderKeys, groupId: GroupId, group: PublicGroup): Promise<ServerProposal[]> {
  if (!namesUs(group, sender)) return []
  const roster: ReadonlySet<DeviceId> = (await ctx.roster.members(groupId))?.members ?? new Set<DeviceId>()
  const cache = new Map<string, Promise<boolean>>()
  const out: ServerProposal[] = []
  for (const leaf of treeLeaves(group.tree)) {
    if (roster.has(leaf.deviceId as DeviceId)) continue
    if (await gone(ctx, leaf.userId, cache)) out.push(await proposeServerRemoval(await suite, group.groupInfo, leaf.leafIndex, sender.publicKey, sender.secretKey))
  }
  return out
}

/** For the commit validator: the server's proposals of this group state, by base64 reference. */
export function serverProposalsFor(ctx: AppContext, sender: ServerSenderKeys, groupId: GroupId): ServerProposals {
  return async (group) => {
    const map: Awaited<ReturnType<ServerProposals>> = new Map()
    for (const p of await removalsFor(ctx, sender, groupId, group)) map.set(Buffer.from(p.ref).toString('base64'), { proposalType: 'remove', remove: { removed: p.removedLeaf } })
    return map
  }
}

/**
 * Proposes the removal of every gone person's leaf of the group at its current epoch and delivers
 * the proposals to its roster. Returns how many were proposed. Never throws for a group that
 * has vanished or names another sender.
 */
export async function proposeRemovals(ctx: AppContext, sender: ServerSenderKeys, groupId: GroupId, known?: PublicGroup): Promise<number> {
  let group = known
  if (!group) {
    const stored = await ctx.store.groupInfo(groupId)
    if (!stored) return 0
    group = loadPublicGroup(stored)
  }
  const proposals = await removalsFor(ctx, sender, groupId, group)
  if (proposals.length === 0) return 0
  const members = (await ctx.roster.members(groupId))?.members
  if (!members || members.size === 0) return 0
  const recipients = [...members]
  for (const p of proposals) {
    const message = {
      messageId: toBase64Url(p.ref.subarray(0, 16)) as MessageId,
      groupId,
      sender: SERVER_SENDER_ID,
      kind: 3 as const,
      sentAt: Date.now(),
      payload: p.message,
      recipients,
    }
    await new Promise<void>((resolve, reject) => ctx.delivery.submit(message, (e, r) => (r ? resolve() : reject(e))))
  }
  ctx.log.info({ groupId, proposals: proposals.length }, 'proposed removing gone people from a group (external sender)')
  return proposals.length
}

/** proposeRemovals in the background, its failure logged (a later commit or deprovisioning tries again). */
export function proposeRemovalsLater(ctx: AppContext, sender: ServerSenderKeys, groups: Iterable<GroupId>, known?: PublicGroup): void {
  for (const g of groups) {
    proposeRemovals(ctx, sender, g, known).catch((err: unknown) => ctx.log.error({ err, groupId: g }, 'proposing removals failed'))
  }
}

/**
 * Every group a person's devices are in, or left when revoked (Store.formerGroups), sorted. Read
 * before their account is erased: erasure deletes the memberships, and with them any record of
 * which groups' trees still hold the person's leaves.
 */
export async function groupsOfPerson(ctx: AppContext, userId: UserId): Promise<GroupId[]> {
  const groups = new Set<GroupId>(await ctx.store.formerGroups(userId))
  for (const d of await ctx.store.listDevices(userId)) for (const g of await ctx.store.listGroups(d.deviceId)) groups.add(g.groupId)
  return [...groups].sort()
}

/**
 * After an account was erased (its directory entry published empty, so members see the person
 * gone): the groups its devices were in drop them from their rosters on every node, and the
 * server proposes the removal of their leaves — the erasing device may have held none of these
 * conversations (a freshly linked or recovered one), and then no member would ever commit it.
 */
export function proposeRemovalsOfErased(ctx: AppContext, sender: ServerSenderKeys, groups: readonly GroupId[]): void {
  for (const g of groups) ctx.roster.changed(g)
  proposeRemovalsLater(ctx, sender, groups)
}

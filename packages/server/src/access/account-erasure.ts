// Erasing an account: the server logs a deletion receipt (a statement signed with the access
// log's key, whose hash becomes a log leaf; the server keeps no copy), then deletes every
// record of the account in one transaction and tombstones its key-directory entries (their
// values and openings are deleted; the commitments stay so the directory stays append-only).
// The client leaves the conversations it holds first; for every group any device of the person
// was in, the server then proposes their removal as its external sender (protocol.md §5.7), so a
// member commits it even when the erasing device held none of them.
// Its attachment uploads: unfinished ones are deleted, finished ones lose every link to it.
// Under a legal hold the receipt also says what the organisation's archive keeps: which hold,
// on what, under which case, until when (compliance/erasure-holds.ts). Where the organisation's
// policy names an archive, an erasure notice goes to its audit trail first (compliance/
// erasure-notice.ts): if it cannot be written, nothing is erased; the receipt says what the
// archive erases.
import { randomBytes } from 'node:crypto'
import { toBase64Url, utf8, type DeletionReceiptResponse, type UserId } from '@candor/protocol'
import type { BlobId } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { heldLines, holdsKeeping } from '../compliance/erasure-holds.ts'
import { noticeToArchive } from '../compliance/erasure-notice.ts'
import { groupsOfPerson, proposeRemovalsOfErased } from '../mls/external-removals.ts'

export async function eraseAccount(ctx: AppContext, userId: UserId): Promise<DeletionReceiptResponse> {
  const devices = await ctx.store.listDevices(userId)
  // Read before the erasure deletes the memberships (§5.7).
  const groups = await groupsOfPerson(ctx, userId)
  const deletedAt = ctx.access.now()
  // What an organisation's legal hold keeps in its archive (the server erases its own records regardless).
  const holds = await holdsKeeping(ctx, userId)
  // Write-ahead: the archive's notice is in the organisation's audit trail before anything goes.
  const archived = await noticeToArchive(ctx, userId, deletedAt, holds)
  const text = [
    'candor account deletion v1',
    `user ${userId}`,
    ...devices.map((d) => `device ${d.deviceId} ${toBase64Url(d.publicKey)}`),
    `deleted-at ${deletedAt}`,
    ...heldLines(holds, deletedAt),
    ...(archived === null ? [] : [archived]),
    `nonce ${toBase64Url(randomBytes(16))}`,
  ].join('\n') + '\n'
  const log = ctx.access.log
  const index = await log.appendUnaddressed(utf8(text), deletedAt)
  // Attachments: uploads never finished go; finished ones stay readable by the conversations
  // they were sent to, handed to the erased device id (the binding forgets the uploader below).
  if (ctx.blobs) {
    for (const b of await ctx.store.blobsOf(userId, Number.MAX_SAFE_INTEGER)) {
      const st = await ctx.blobs.stat(b.blobId)
      if (st?.complete) continue
      await ctx.store.unbindBlob(b.blobId)
      await ctx.blobs.delete(b.blobId)
    }
    // History archives (transfers, the backup) are the person's alone: they go with the account.
    for (const a of await ctx.store.accountRecovery().archivesOf(userId)) await ctx.blobs.delete(a.archiveId as BlobId)
    for (const d of devices) await ctx.blobs.eraseOwner(d.deviceId)
  }
  // One store transaction: the records go, the id is reserved, the directory's backlog row is written.
  const erased = await ctx.store.eraseUser(userId)
  ctx.sessions.end(devices.map((d) => d.deviceId), 'erased')
  // A new, empty version first (everyone sees the account changed), then every version's
  // value and opening go (DirectoryService.applyBacklog).
  await ctx.directory.applyBacklog()
  await ctx.store.purgeDeleted()
  proposeRemovalsOfErased(ctx, ctx.mlsSender, groups)
  const size = log.size
  ctx.log.warn({ index, devices: erased.devices }, 'account erased')
  return {
    receipt: log.signStatement(text),
    index,
    checkpoint: log.checkpoint(size),
    proof: log.inclusionProof(index, size).map(toBase64Url),
    erased,
  }
}

// Everything the server holds about one account, for the account's own export: device records,
// conversation memberships, queued ciphertext, key-package counts, admin rights, its rows in
// the access log and the attachment blobs it uploaded (ids, groups and sizes: ciphertext only). The caller is the person themself, so no access receipt is written.
import { toBase64Url, type AccountExport, type UserId } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { deviceInfo } from '../http/device-info.ts'

const QUEUE_PAGE = 1000

export async function exportAccount(ctx: AppContext, userId: UserId, now: number): Promise<AccountExport> {
  const devices = await ctx.store.listDevices(userId)
  const conversations = new Map<string, AccountExport['conversations'][number]>()
  const queued: AccountExport['queued'] = []
  const keyPackages: AccountExport['keyPackages'] = []
  const mine = new Set<string>(devices.map((d) => d.deviceId))
  for (const d of devices) {
    for (const g of await ctx.store.listGroups(d.deviceId)) {
      conversations.set(g.groupId, { groupId: g.groupId, epoch: g.epoch, memberDevices: g.members.filter((m) => mine.has(m)) })
    }
    for (let after = 0; ; ) {
      const page = await ctx.store.fetchQueue(d.deviceId, after, QUEUE_PAGE)
      for (const m of page) queued.push({ deviceId: d.deviceId, seq: m.seq, messageId: m.messageId, groupId: m.groupId, sender: m.sender, kind: m.kind, sentAt: m.sentAt, payload: toBase64Url(m.payload) })
      if (page.length < QUEUE_PAGE) break
      after = page.at(-1)!.seq
    }
    keyPackages.push({ deviceId: d.deviceId, ...(await ctx.store.countKeyPackages(d.deviceId)) })
  }
  const admin = await ctx.store.getAdmin(userId)
  const accessLog = (await ctx.store.accessLeavesOf(userId, Number.MAX_SAFE_INTEGER))
    .filter((l) => l.visibleAt <= now)
    .map((l) => ({ index: l.index, loggedAt: l.loggedAt, visibleAt: l.visibleAt }))
  const blobs = []
  for (const b of await ctx.store.blobsOf(userId, Number.MAX_SAFE_INTEGER)) {
    const delivery = await ctx.store.blobDelivery(b.blobId)
    blobs.push({ blobId: b.blobId, groupId: b.groupId, size: b.size, uploadedAt: b.boundAt, expiresAt: delivery?.expiresAt ?? null })
  }
  return { userId, exportedAt: now, devices: devices.map(deviceInfo), conversations: [...conversations.values()], queued, keyPackages, admin, accessLog, blobs }
}

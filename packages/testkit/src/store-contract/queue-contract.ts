// appendMessages (batching, dedup), fetchQueue, ack, pendingCount.
import { expect, it } from 'vitest'
import { randomBytes, toBase64Url, type DeviceId } from '@candor/protocol'
import { devicesOf, expectIncreasing, message, registeredDevices, seqsOf, type StoreRef } from './fixtures.ts'

export function queueContract(store: StoreRef): void {
  it('stores a batch and returns deliveries with increasing seq per device', async () => {
    const [sender, a, b] = (await registeredDevices(store(), 3)) as [DeviceId, DeviceId, DeviceId]
    const batch = [message(sender, [a, b]), message(sender, [a]), message(sender, [b, a]), message(sender, [])]
    const results = await store().appendMessages(batch)
    expect(results).toHaveLength(4)
    results.forEach((r, i) => {
      expect(r.duplicate).toBe(false)
      expect(r.sentAt).toBe(batch[i]!.sentAt)
      expect(devicesOf(r.deliveries)).toEqual([...batch[i]!.recipients].sort())
    })
    const all = results.flatMap((r) => r.deliveries)
    expect(seqsOf(all, a)).toHaveLength(3)
    expectIncreasing(seqsOf(all, a))
    expectIncreasing(seqsOf(all, b))
    const later = await store().appendMessages([message(sender, [a])])
    expect(later[0]!.deliveries[0]!.seq).toBeGreaterThan(Math.max(...seqsOf(all, a)))
    expect(await store().pendingCount(a)).toBe(4)
    expect(await store().pendingCount(b)).toBe(2)
    expect(await store().pendingCount(sender)).toBe(0)
  })

  it('fetches a queue oldest first with every field intact', async () => {
    const [sender, a] = (await registeredDevices(store(), 2)) as [DeviceId, DeviceId]
    const batch = [message(sender, [a], { kind: 0, sentAt: 1_700_000_000_001, payload: randomBytes(300) }), message(sender, [a], { kind: 1 })]
    const results = await store().appendMessages(batch)
    const rows = await store().fetchQueue(a, 0, 100)
    expect(rows).toHaveLength(2)
    rows.forEach((row, i) => {
      const m = batch[i]!
      expect(row.seq).toBe(results[i]!.deliveries[0]!.seq)
      expect({ ...row, payload: toBase64Url(row.payload) }).toEqual({
        seq: row.seq,
        messageId: m.messageId,
        groupId: m.groupId,
        sender: m.sender,
        kind: m.kind,
        sentAt: m.sentAt,
        payload: toBase64Url(m.payload),
      })
    })
  })

  it('pages a queue with afterSeq and limit', async () => {
    const [sender, a] = (await registeredDevices(store(), 2)) as [DeviceId, DeviceId]
    const batch = Array.from({ length: 5 }, () => message(sender, [a]))
    await store().appendMessages(batch)
    const ids = batch.map((m) => m.messageId)
    const page1 = await store().fetchQueue(a, 0, 2)
    expect(page1.map((r) => r.messageId)).toEqual(ids.slice(0, 2))
    const page2 = await store().fetchQueue(a, page1[1]!.seq, 2)
    expect(page2.map((r) => r.messageId)).toEqual(ids.slice(2, 4))
    const page3 = await store().fetchQueue(a, page2[1]!.seq, 10)
    expect(page3.map((r) => r.messageId)).toEqual(ids.slice(4))
    expect(await store().fetchQueue(a, page3[0]!.seq, 10)).toEqual([])
  })

  it('deduplicates by (sender, messageId): the original sentAt, no new queue rows', async () => {
    const [sender, a, b] = (await registeredDevices(store(), 3)) as [DeviceId, DeviceId, DeviceId]
    // Sends are remembered for RECENT_SENDS_MS from their sentAt (docs/protocol.md §6): recent times.
    const t = Date.now()
    const original = message(sender, [a], { sentAt: t + 1_000 })
    const [first] = await store().appendMessages([original])
    const again = { ...original, sentAt: t + 2_000, payload: randomBytes(10), recipients: [a, b] }
    const [second] = await store().appendMessages([again])
    expect(first).toMatchObject({ duplicate: false, sentAt: t + 1_000 })
    expect(second).toEqual({ duplicate: true, sentAt: t + 1_000, deliveries: [] })
    expect(await store().pendingCount(a)).toBe(1)
    expect(await store().pendingCount(b)).toBe(0)
    expect(toBase64Url((await store().fetchQueue(a, 0, 10))[0]!.payload)).toBe(toBase64Url(original.payload))
  })

  it('deduplicates a retry whose recipient count changed, either way', async () => {
    const [sender, a, b] = (await registeredDevices(store(), 3)) as [DeviceId, DeviceId, DeviceId]
    // Sends are remembered for RECENT_SENDS_MS from their sentAt (docs/protocol.md §6): recent times.
    const t = Date.now()
    const shared = message(sender, [a, b], { sentAt: t + 3_000 })
    await store().appendMessages([shared])
    const [retry] = await store().appendMessages([{ ...shared, sentAt: t + 4_000, recipients: [a] }])
    expect(retry).toEqual({ duplicate: true, sentAt: t + 3_000, deliveries: [] })
    expect(await store().pendingCount(a)).toBe(1)
    expect(await store().pendingCount(b)).toBe(1)
  })

  it('deduplicates within one batch and keeps messages of different senders apart', async () => {
    const [s1, s2, a] = (await registeredDevices(store(), 3)) as [DeviceId, DeviceId, DeviceId]
    const m = message(s1, [a], { sentAt: 5_000 })
    const sameIdOtherSender = { ...message(s2, [a]), messageId: m.messageId }
    const results = await store().appendMessages([m, { ...m, sentAt: 6_000 }, sameIdOtherSender])
    expect(results.map((r) => r.duplicate)).toEqual([false, true, false])
    expect(results[1]).toEqual({ duplicate: true, sentAt: 5_000, deliveries: [] })
    expect(await store().pendingCount(a)).toBe(2)
  })

  it('acks: deletes entries, returns how many existed, never returns them again', async () => {
    const [sender, a, b, idle] = (await registeredDevices(store(), 4)) as [DeviceId, DeviceId, DeviceId, DeviceId]
    const batch = [message(sender, [a, b]), message(sender, [a]), message(sender, [a])]
    const results = await store().appendMessages(batch)
    const seqs = results.flatMap((r) => seqsOf(r.deliveries, a))
    expect(await store().ack(a, [seqs[0]!, seqs[2]!])).toBe(2)
    expect(await store().ack(a, [seqs[0]!])).toBe(0)
    expect((await store().fetchQueue(a, 0, 10)).map((r) => r.seq)).toEqual([seqs[1]])
    expect(await store().pendingCount(a)).toBe(1)
    // The first message is still queued for b after a acknowledged it.
    expect((await store().fetchQueue(b, 0, 10)).map((r) => r.messageId)).toEqual([batch[0]!.messageId])
    expect(await store().ack(idle, seqs)).toBe(0)
    expect(await store().ack(a, [])).toBe(0)
    expect(await store().ack(a, [seqs[1]!, seqs[1]! + 1_000_000])).toBe(1)
    expect(await store().pendingCount(a)).toBe(0)
    expect(await store().fetchQueue(a, 0, 10)).toEqual([])
  })

  it('still deduplicates a message after one recipient acknowledged it', async () => {
    const [sender, a, b] = (await registeredDevices(store(), 3)) as [DeviceId, DeviceId, DeviceId]
    const m = message(sender, [a, b])
    const [r] = await store().appendMessages([m])
    await store().ack(a, seqsOf(r!.deliveries, a))
    const [again] = await store().appendMessages([m])
    expect(again?.duplicate).toBe(true)
    expect(await store().pendingCount(b)).toBe(1)
  })

  it('still deduplicates a message after every recipient acknowledged it (a sender retrying after a lost accepted)', async () => {
    const [sender, a, b] = (await registeredDevices(store(), 3)) as [DeviceId, DeviceId, DeviceId]
    for (const recipients of [[a], [a, b]]) {
      const m = message(sender, recipients, { sentAt: Date.now() - 1_000 })
      const [r] = await store().appendMessages([m])
      for (const d of recipients) expect(await store().ack(d, seqsOf(r!.deliveries, d))).toBe(1)
      const [again] = await store().appendMessages([{ ...m, sentAt: Date.now() }])
      expect(again).toEqual({ duplicate: true, sentAt: m.sentAt, deliveries: [] })
      for (const d of recipients) expect(await store().pendingCount(d)).toBe(0)
    }
    // Control: another message of the same sender is stored and queued.
    const [other] = await store().appendMessages([message(sender, [a])])
    expect(other?.duplicate).toBe(false)
    expect(await store().pendingCount(a)).toBe(1)
  })

  it('gives distinct, ordered seqs to concurrent batches for the same device', async () => {
    const [s1, s2, a] = (await registeredDevices(store(), 3)) as [DeviceId, DeviceId, DeviceId]
    const batches = Array.from({ length: 6 }, (_, i) => [message(i % 2 ? s1 : s2, [a]), message(i % 2 ? s1 : s2, [a])])
    const results = await Promise.all(batches.map((b) => store().appendMessages(b)))
    const seqs = results.flatMap((rs) => rs.flatMap((r) => seqsOf(r.deliveries, a)))
    expect(new Set(seqs).size).toBe(12)
    for (const rs of results) expectIncreasing(rs.flatMap((r) => seqsOf(r.deliveries, a)))
    const rows = await store().fetchQueue(a, 0, 100)
    expect(rows.map((r) => r.seq)).toEqual([...seqs].sort((x, y) => x - y))
    expect(new Set(rows.map((r) => r.messageId))).toEqual(new Set(batches.flat().map((m) => m.messageId)))
  })

  it('queues a message to a large group once per member, in order, until each member acknowledged it', async () => {
    // 45 recipients: more than one multi-row insert's worth on SQLite (32 + 8 + 5 one by one).
    const [sender, ...members] = (await registeredDevices(store(), 46)) as DeviceId[]
    const batch = [message(sender!, members), message(sender!, members.slice(0, 9))]
    const [big, small] = await store().appendMessages(batch)
    expect(devicesOf(big!.deliveries)).toEqual([...members].sort())
    for (const d of members) {
      const rows = await store().fetchQueue(d, 0, 10)
      const mine = members.indexOf(d) < 9 ? [batch[0]!, batch[1]!] : [batch[0]!]
      expect(rows.map((r) => r.messageId)).toEqual(mine.map((m) => m.messageId))
      expect(rows[0]!.seq).toBe(seqsOf(big!.deliveries, d)[0])
      if (mine.length === 2) expect(rows[1]!.seq).toBe(seqsOf(small!.deliveries, d)[0])
      expect(toBase64Url(rows[0]!.payload)).toBe(toBase64Url(batch[0]!.payload))
    }
    expect(await store().pendingCount(sender!)).toBe(0)
    for (const d of members) expect(await store().ack(d, seqsOf(big!.deliveries, d))).toBe(1)
    for (const d of members) expect(await store().ack(d, seqsOf(big!.deliveries, d))).toBe(0)
    for (const d of members) expect(await store().pendingCount(d)).toBe(members.indexOf(d) < 9 ? 1 : 0)
  })

  it('counts nothing pending for an unknown device', async () => {
    const [unknown] = await registeredDevices(store(), 1)
    expect(await store().pendingCount(unknown!)).toBe(0)
    expect(await store().fetchQueue(unknown!, 0, 10)).toEqual([])
  })
}

// A stored batch fans out only once it is on disk (the SQLite store flushes its WAL off the event
// loop), so a commit accepted while that flush runs must wait its turn: recipients get the
// messages of an epoch before the commit that ends it, in the order the store gave them seqs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newDeviceId, newGroupId, newMessageId, randomBytes, type DeviceId } from '@candor/protocol'
import { SqliteStore } from '@candor/store-sqlite'
import { DeliveryService } from '../src/delivery/delivery-service.ts'
import { InProcessBus } from '../src/delivery/in-process-bus.ts'
import { Metrics } from '../src/metrics.ts'
import { createLogger } from '../src/logger.ts'
import type { AppendResult } from '@candor/ports'

let dir: string
let store: SqliteStore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'candor-order-'))
  store = SqliteStore.open(join(dir, 'candor.db'))
})
afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('delivery order', () => {
  it('publishes a commit stored while earlier messages wait for their flush after those messages', async () => {
    const bus = new InProcessBus()
    const delivery = new DeliveryService(store, bus, new Metrics(), createLogger('silent'))
    const sender = newDeviceId()
    const recipient = newDeviceId()
    const group = newGroupId()
    const seen: number[] = []
    bus.subscribeDevice(recipient, (d) => seen.push(d.seq))
    await store.createGroup(group, sender, Date.now())

    const stored = new Promise<AppendResult>((resolve, reject) =>
      delivery.submit(
        { messageId: newMessageId(), groupId: group, sender, kind: 0, sentAt: Date.now(), payload: randomBytes(40), recipients: [recipient] },
        (e, r) => (e ? reject(e) : resolve(r!)),
      ),
    )
    // The batch is stored on the next turn, then waits for its flush; the commit comes meanwhile.
    await new Promise((resolve) => setImmediate(resolve))
    expect(await store.pendingCount(recipient as DeviceId)).toBe(1) // stored, not yet answered
    expect(seen).toEqual([])
    const commit = await store.acceptCommit({
      groupId: group,
      epoch: 0,
      sender,
      messageId: newMessageId(),
      sentAt: Date.now(),
      commit: randomBytes(40),
      welcome: randomBytes(40),
      added: [recipient],
      removed: [],
      groupInfo: randomBytes(40),
    })
    if (!commit.accepted) throw new Error('the commit was refused')
    expect(commit.deliveries.map((d) => d.deviceId)).toEqual([recipient])
    delivery.publish(delivery.fanOut({ messageId: newMessageId(), groupId: group, sender, kind: 2, sentAt: Date.now(), payload: randomBytes(40) }, commit.deliveries))
    const message = await stored
    await new Promise((resolve) => setImmediate(resolve))
    const commitSeqs = commit.deliveries.filter((d) => d.deviceId === recipient).map((d) => d.seq)
    expect(seen).toEqual([message.deliveries[0]!.seq, ...commitSeqs])
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
  })
})

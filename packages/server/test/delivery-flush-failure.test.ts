// The delivery service runs its flushes one after another on a promise chain. One step that
// throws (here a bus whose publish fails once, a store whose append fails once, a message whose
// frame cannot be built) must not stall or reject every flush after it: later messages are
// still stored, acknowledged and delivered.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newDeviceId, newGroupId, newMessageId, randomBytes, type DeviceId, type GroupId, type MessageId } from '@candor/protocol'
import { SqliteStore } from '@candor/store-sqlite'
import { DeliveryService } from '../src/delivery/delivery-service.ts'
import { InProcessBus } from '../src/delivery/in-process-bus.ts'
import { Metrics } from '../src/metrics.ts'
import { createLogger } from '../src/logger.ts'
import type { AppendResult, BusDelivery, NewMessage } from '@candor/ports'

/** A real in-process bus that fails its next `failures` publishes. */
class FlakyBus extends InProcessBus {
  failures = 0
  override publish(deliveries: readonly BusDelivery[]): void {
    if (this.failures > 0) {
      this.failures--
      throw new Error('bus unavailable')
    }
    super.publish(deliveries)
  }
}

let dir: string
let store: SqliteStore
let bus: FlakyBus
let metrics: Metrics
let delivery: DeliveryService
const recipient = newDeviceId()
const sender = newDeviceId()
let group: GroupId
let seen: number[]

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'candor-flush-'))
  store = SqliteStore.open(join(dir, 'candor.db'))
  bus = new FlakyBus()
  metrics = new Metrics()
  delivery = new DeliveryService(store, bus, metrics, createLogger('silent'))
  group = newGroupId()
  seen = []
  bus.subscribeDevice(recipient, (d) => seen.push(d.seq))
})
afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

function message(messageId: MessageId = newMessageId()): NewMessage {
  return { messageId, groupId: group, sender, kind: 0, sentAt: Date.now(), payload: randomBytes(40), recipients: [recipient] }
}

/** Submits and waits for the answer, failing after 3 s rather than hanging (the old chain never answered). */
function submitted(m: NewMessage): Promise<AppendResult> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer for ${m.messageId} within 3 s`)), 3000)
    delivery.submit(m, (e, r) => {
      clearTimeout(t)
      if (r) resolve(r)
      else reject(e instanceof Error ? e : new Error(String(e)))
    })
  })
}

async function failures(stage: string): Promise<number> {
  return (await metrics.deliveryFailures.get()).values.find((v) => v.labels.stage === stage)?.value ?? 0
}

describe('the delivery flush chain', () => {
  it('goes on after a publish that throws: the message is stored and acknowledged, later ones are delivered', async () => {
    bus.failures = 1
    const first = await submitted(message())
    expect(seen).toEqual([]) // its live push was lost; the device fetches it from its queue
    const second = await submitted(message())
    expect(seen).toEqual([second.deliveries[0]!.seq])
    expect(await store.pendingCount(recipient as DeviceId)).toBe(2)
    expect((await store.fetchQueue(recipient as DeviceId, 0, 10)).map((q) => q.seq)).toEqual([first.deliveries[0]!.seq, second.deliveries[0]!.seq])
    expect(await failures('publish')).toBe(1)

    // A commit's deliveries published through the same chain still go out, in order.
    bus.failures = 1
    delivery.publish([{ deviceId: recipient, seq: 1_000_000, frame: new Uint8Array([1]) }])
    const third = await submitted(message())
    delivery.publish([{ deviceId: recipient, seq: 2_000_000, frame: new Uint8Array([1]) }])
    await submitted(message())
    expect(seen).toContain(third.deliveries[0]!.seq)
    expect(seen).toContain(2_000_000)
    expect(seen).not.toContain(1_000_000)
    expect(await failures('publish')).toBe(2)
  })

  it('goes on after a store append that throws: that batch is refused, later ones are stored', async () => {
    const append = store.appendMessages.bind(store)
    let fail = true
    store.appendMessages = (batch) => {
      if (fail) {
        fail = false
        return Promise.reject(new Error('disk full'))
      }
      return append(batch)
    }
    await expect(submitted(message())).rejects.toThrow('disk full')
    const next = await submitted(message())
    expect(seen).toEqual([next.deliveries[0]!.seq])
    expect(await store.pendingCount(recipient as DeviceId)).toBe(1)
  })

  it('goes on past a message whose frame cannot be built: the rest of its batch is delivered', async () => {
    const bad = submitted(message('AAAAAAAAAAAAAAAAAAAAAB' as MessageId))
    const good = submitted(message())
    const [b, g] = await Promise.all([bad, good])
    expect(seen).toEqual([g.deliveries[0]!.seq])
    expect(b.deliveries).toHaveLength(1) // stored; the device's connection sets it aside when it fetches it
    expect(await failures('encode')).toBe(1)
    expect((await submitted(message())).duplicate).toBe(false)
  })
})

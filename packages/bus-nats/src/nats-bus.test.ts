// Two NatsBus nodes on a real nats-server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newDeviceId, newGroupId, parseUserId, randomBytes, type GroupId } from '@candor/protocol'
import type { BusDelivery } from '@candor/ports'
import { natsAvailable, noNats, TEST_NATS_URL } from '@candor/testkit/nats'
import { busContract } from '@candor/testkit/bus-contract'
import { NatsBus } from './nats-bus.ts'
import { decodeBlocksChanged, decodeDelivery, decodeSessionEnded, encodeBlocksChanged, encodeDelivery, encodeSessionEnded } from './bus-codec.ts'

const available = await natsAvailable()
if (!available) noNats('NatsBus')

async function eventually(check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('bus codec', () => {
  it('round-trips a delivery and refuses a truncated one', () => {
    const d = { deviceId: newDeviceId(), seq: 2 ** 40 + 3, frame: randomBytes(50) }
    const back = decodeDelivery(d.deviceId, encodeDelivery(d))
    expect(back && { ...back, frame: hex(back.frame) }).toEqual({ ...d, frame: hex(d.frame) })
    expect(decodeDelivery(d.deviceId, new Uint8Array(7))).toBeNull()
  })

  it('round-trips an ended session and refuses anything not exactly one (unknown reason, bad id, extra line)', () => {
    const ids = [newDeviceId(), newDeviceId()]
    expect(decodeSessionEnded(encodeSessionEnded('node-1', ids, 'erased'))).toEqual({ origin: 'node-1', reason: 'erased', deviceIds: ids })
    const enc = (s: string) => new TextEncoder().encode(s)
    for (const bad of [`n\nbanned\n${ids[0]}`, `n\nrevoked\n${ids[0]}x`, `n\nrevoked\n${ids[0]} `, `n\nrevoked\n${ids[0]}\nmore`, 'n\nrevoked', '']) {
      expect(decodeSessionEnded(enc(bad))).toBeNull()
    }
    expect(decodeSessionEnded(new Uint8Array([0xff, 0xfe]))).toBeNull()
  })

  it('round-trips a block change and refuses anything but one canonical user id', () => {
    const bob = parseUserId('bob@example.org')
    expect(decodeBlocksChanged(encodeBlocksChanged('node-1', bob))).toEqual({ origin: 'node-1', blocked: bob })
    const enc = (s: string) => new TextEncoder().encode(s)
    for (const bad of ['n\nBob', 'n\nbob\nmore', 'n\n', 'bob', '']) expect(decodeBlocksChanged(enc(bad))).toBeNull()
    expect(decodeBlocksChanged(new Uint8Array([0xff, 0xfe]))).toBeNull()
  })
})

if (available) {
  busContract('NatsBus, two nodes', async () => {
    const nodes = [await NatsBus.connect(TEST_NATS_URL, 'contract-a'), await NatsBus.connect(TEST_NATS_URL, 'contract-b')]
    return {
      nodes,
      settle: async () => {
        for (const n of nodes) await n.flush()
      },
      close: async () => {
        for (const n of nodes) await n.close()
      },
    }
  })
}

describe.skipIf(!available)('NatsBus across two nodes', () => {
  let a: NatsBus
  let b: NatsBus
  beforeAll(async () => {
    a = await NatsBus.connect(TEST_NATS_URL, 'node-a')
    b = await NatsBus.connect(TEST_NATS_URL, 'node-b')
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
  })

  it('delivers to a device connected to the other node, frames intact, in order', async () => {
    const device = newDeviceId()
    const got: BusDelivery[] = []
    const unsubscribe = b.subscribeDevice(device, (d) => got.push(d))
    await b.flush()
    const sent = [1, 2, 3].map((seq) => ({ deviceId: device, seq, frame: randomBytes(100) }))
    a.publish([...sent, { deviceId: device, seq: 0, frame: randomBytes(10) }])
    await eventually(() => got.length === 4)
    expect(got.map((d) => [d.deviceId, d.seq, hex(d.frame)])).toEqual(
      [...sent.map((d) => [d.deviceId, d.seq, hex(d.frame)]), [device, 0, expect.any(String)]],
    )
    unsubscribe()
    await b.flush()
    a.publish([{ deviceId: device, seq: 4, frame: randomBytes(10) }])
    await a.flush()
    await new Promise((r) => setTimeout(r, 50))
    expect(got).toHaveLength(4)
  })

  it('delivers to a device on the same node synchronously, without NATS', () => {
    const device = newDeviceId()
    const got: number[] = []
    const unsubscribe = a.subscribeDevice(device, (d) => got.push(d.seq))
    a.publish([{ deviceId: device, seq: 9, frame: randomBytes(10) }])
    expect(got).toEqual([9])
    unsubscribe()
  })

  it('sends a delivery to the newest connection of a device on a node only', async () => {
    const device = newDeviceId()
    const old: number[] = []
    const fresh: number[] = []
    const unsubscribeOld = b.subscribeDevice(device, (d) => old.push(d.seq))
    b.subscribeDevice(device, (d) => fresh.push(d.seq))
    unsubscribeOld()
    await b.flush()
    a.publish([{ deviceId: device, seq: 1, frame: randomBytes(10) }])
    await eventually(() => fresh.length === 1)
    expect(old).toEqual([])
  })

  it('sees presence cluster-wide', async () => {
    const device = newDeviceId()
    expect(await a.isOnline(device)).toBe(false)
    const unsubscribe = b.subscribeDevice(device, () => {})
    await b.flush()
    expect(await a.isOnline(device)).toBe(true)
    expect(await b.isOnline(device)).toBe(true)
    unsubscribe()
    await b.flush()
    await eventually(async () => !(await a.isOnline(device)))
  })

  it('forgets the devices of a node that goes away', async () => {
    const c = await NatsBus.connect(TEST_NATS_URL, 'node-c')
    const device = newDeviceId()
    c.subscribeDevice(device, () => {})
    await c.flush()
    expect(await a.isOnline(device)).toBe(true)
    await c.close()
    expect(await a.isOnline(device)).toBe(false)
  })

  it('announces group changes to every node, once each', async () => {
    const seenA: GroupId[] = []
    const seenB: GroupId[] = []
    a.onGroupChanged((g) => seenA.push(g))
    b.onGroupChanged((g) => seenB.push(g))
    await Promise.all([a.flush(), b.flush()])
    const g1 = newGroupId()
    const g2 = newGroupId()
    a.publishGroupChanged(g1)
    b.publishGroupChanged(g2)
    await eventually(() => seenA.length === 2 && seenB.length === 2)
    await new Promise((r) => setTimeout(r, 50))
    expect(seenA.sort()).toEqual([g1, g2].sort())
    expect(seenB.sort()).toEqual([g1, g2].sort())
  })
})

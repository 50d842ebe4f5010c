// The shared behavioural contract of every Bus adapter. An adapter's test calls busContract()
// with a factory of a small cluster: one node for the in-process bus, two for NATS (then the
// cross-node tests run too). `settle()` resolves once every node's subscriptions and publishes
// so far have reached the bus (NatsBus.flush); the suite then waits for what it expects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newDeviceId, newGroupId, parseUserId, randomBytes, type DeviceId, type GroupId, type SessionEndReason, type UserId } from '@candor/protocol'
import type { Bus, BusDelivery } from '@candor/ports'

export interface BusCluster {
  /** One or more nodes on one bus. */
  nodes: Bus[]
  settle(): Promise<void>
  close(): Promise<void>
}

async function eventually(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error(`not in time: ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export function busContract(name: string, open: () => Promise<BusCluster>): void {
  describe(`Bus contract: ${name}`, () => {
    let cluster: BusCluster | undefined
    const c = (): BusCluster => {
      if (!cluster) throw new Error('bus not open')
      return cluster
    }
    const first = (): Bus => c().nodes[0]!
    const last = (): Bus => c().nodes.at(-1)!
    // What every node's session-ended handlers saw, in order; handlers are added once per node.
    const ended: Array<Array<{ deviceIds: DeviceId[]; reason: SessionEndReason }>> = []
    const changed: GroupId[][] = []
    const blocks: UserId[][] = []

    beforeAll(async () => {
      cluster = await open()
      cluster.nodes.forEach((n, i) => {
        ended[i] = []
        changed[i] = []
        blocks[i] = []
        n.onBlocksChanged((u) => blocks[i]!.push(u))
        n.onSessionEnded((deviceIds, reason) => ended[i]!.push({ deviceIds: [...deviceIds], reason }))
        n.onGroupChanged((g) => changed[i]!.push(g))
      })
      await cluster.settle()
    })
    afterAll(async () => {
      await cluster?.close()
      cluster = undefined
    })

    it('delivers to the device subscribed on the last node, frames intact and in order, notices (seq 0) too; nothing after unsubscribe', async () => {
      const device = newDeviceId()
      const got: BusDelivery[] = []
      const off = last().subscribeDevice(device, (d) => got.push(d))
      await c().settle()
      const sent = [1, 2, 3, 0].map((seq) => ({ deviceId: device, seq, frame: randomBytes(40) }))
      first().publish(sent)
      await eventually(() => got.length === 4, 'four deliveries')
      expect(got.map((d) => [d.deviceId, d.seq, hex(d.frame)])).toEqual(sent.map((d) => [d.deviceId, d.seq, hex(d.frame)]))
      off()
      await c().settle()
      first().publish([{ deviceId: device, seq: 4, frame: randomBytes(10) }])
      await c().settle()
      await new Promise((r) => setTimeout(r, 50))
      expect(got).toHaveLength(4)
    })

    it('a newer subscription of a device on a node replaces the older one', async () => {
      const device = newDeviceId()
      const old: number[] = []
      const fresh: number[] = []
      const offOld = last().subscribeDevice(device, (d) => old.push(d.seq))
      const offFresh = last().subscribeDevice(device, (d) => fresh.push(d.seq))
      offOld()
      await c().settle()
      first().publish([{ deviceId: device, seq: 1, frame: randomBytes(10) }])
      await eventually(() => fresh.length === 1, 'the newer subscription')
      expect(old).toEqual([])
      offFresh()
    })

    it('ended sessions reach every node once, the publishing node before publishSessionEnded returns', async () => {
      const devices = [newDeviceId(), newDeviceId()]
      const before = ended.map((e) => e.length)
      first().publishSessionEnded(devices, 'revoked')
      expect(ended[0]!.slice(before[0])).toEqual([{ deviceIds: devices, reason: 'revoked' }])
      await c().settle()
      await eventually(() => ended.every((e, i) => e.length > before[i]!), 'every node to hear of it')
      await new Promise((r) => setTimeout(r, 50))
      for (const [i, e] of ended.entries()) expect(e.slice(before[i])).toEqual([{ deviceIds: devices, reason: 'revoked' }])
    })

    it('every reason travels as it was published; an empty list publishes nothing', async () => {
      const reasons: SessionEndReason[] = ['suspended', 'erased', 'expired', 'logged_out']
      const before = ended.map((e) => e.length)
      last().publishSessionEnded([], 'revoked')
      for (const r of reasons) last().publishSessionEnded([newDeviceId()], r)
      await c().settle()
      await eventually(() => ended.every((e, i) => e.length >= before[i]! + reasons.length), 'every reason on every node')
      await new Promise((r) => setTimeout(r, 50))
      for (const [i, e] of ended.entries()) expect(e.slice(before[i]).map((x) => x.reason)).toEqual(reasons)
    })

    it('group changes reach every node once', async () => {
      const g = newGroupId()
      const before = changed.map((x) => x.length)
      first().publishGroupChanged(g)
      expect(changed[0]!.slice(before[0])).toEqual([g])
      await c().settle()
      await eventually(() => changed.every((x, i) => x.length > before[i]!), 'every node to drop its roster')
      await new Promise((r) => setTimeout(r, 50))
      for (const [i, x] of changed.entries()) expect(x.slice(before[i])).toEqual([g])
    })

    it('block changes reach every node once, the publishing node before publishBlocksChanged returns', async () => {
      const u = parseUserId(`bob${hex(randomBytes(4))}`)
      const before = blocks.map((x) => x.length)
      last().publishBlocksChanged(u)
      expect(blocks.at(-1)!.slice(before.at(-1))).toEqual([u])
      await c().settle()
      await eventually(() => blocks.every((x, i) => x.length > before[i]!), 'every node to drop its blockers')
      await new Promise((r) => setTimeout(r, 50))
      for (const [i, x] of blocks.entries()) expect(x.slice(before[i])).toEqual([u])
    })

    it('sees presence from every node, and forgets it after unsubscribe', async () => {
      const device = newDeviceId()
      expect(await first().isOnline(device)).toBe(false)
      const off = last().subscribeDevice(device, () => {})
      await c().settle()
      for (const n of c().nodes) expect(await n.isOnline(device)).toBe(true)
      off()
      await c().settle()
      const deadline = Date.now() + 5000
      while ((await first().isOnline(device)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
      expect(await first().isOnline(device)).toBe(false)
    })
  })
}

// An ended session ends on every node: a device connected to node 2 is revoked through node 1
// (by another device of its owner) and node 2 closes its socket at once with the reason, told
// over NATS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { CloseCode, decodeServerFrame, encodeAuth, type ServerFrame } from '@candor/protocol'
import { nodeWebSocket } from '@candor/sdk/node'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { clusterServicesMissing, startCluster, type Cluster } from './multi-node-cluster.ts'

const missing = await clusterServicesMissing()

const options = (server: string, store = new MemoryLocalStore()) => ({ server, store, crypto: nodeCryptoProvider(), webSocket: nodeWebSocket })

async function waitFor(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe.skipIf(missing !== null)('ending a session across nodes', () => {
  let cluster: Cluster
  const clients: CandorClient[] = []
  beforeAll(async () => {
    cluster = await startCluster(2)
  })
  afterAll(async () => {
    for (const c of clients) c.close()
    await cluster?.close()
  })

  it('revoked through node 1, the device’s socket on node 2 is told why and closed with 4001', async () => {
    const [one, two] = cluster.nodes.map((n) => n.url) as [string, string]
    const phone = await CandorClient.register(options(one), 'mia', 'phone')
    clients.push(phone)
    await phone.connect()
    const laptopStore = new MemoryLocalStore()
    const enrolling = await CandorClient.enrol(options(one, laptopStore), 'mia', 'laptop')
    const approved = enrolling.waitForApproval()
    await phone.approve(enrolling.deviceId)
    await approved
    enrolling.close()

    // The laptop's socket on node 2, read frame by frame (no SDK, which would close it itself
    // on the device_revoked notice): what node 2 does is what is tested.
    const laptop = (await CandorClient.open(options(two, laptopStore)))!
    const ws = nodeWebSocket(`${two.replace(/^http/, 'ws')}/v1/ws`)
    ws.binaryType = 'arraybuffer'
    const frames: ServerFrame[] = []
    let synced = false
    ws.onmessage = (ev) => {
      const f = decodeServerFrame(new Uint8Array(ev.data as ArrayBuffer))
      frames.push(f)
      if (f.type === 'notice' && f.notice.kind === 'synced') synced = true
    }
    const closed = new Promise<{ code: number; reason: string }>((r) => (ws.onclose = (ev) => r({ code: ev.code, reason: ev.reason })))
    await new Promise<void>((r) => (ws.onopen = () => r()))
    ws.send(encodeAuth(await laptop.api.token()))
    await waitFor(() => synced, 'node 2 to take the laptop’s socket')

    await phone.revoke(laptop.deviceId)
    expect(await closed).toEqual({ code: CloseCode.sessionEnded, reason: 'revoked' })
    expect(frames.filter((f) => f.type === 'notice' && f.notice.kind === 'session_ended')).toEqual([{ type: 'notice', notice: { kind: 'session_ended', reason: 'revoked' } }])
  })
})

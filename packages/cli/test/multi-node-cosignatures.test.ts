// Witness cosignatures live in the shared store: one posted to one node is served by another,
// and a client there that requires the witness accepts the checkpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiClient, CandorClient, MemoryLocalStore, Witness } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { clusterServicesMissing, startCluster, type Cluster } from './multi-node-cluster.ts'

const missing = await clusterServicesMissing()

const options = (server: string) => ({ server, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket })

describe.skipIf(missing !== null)('witness cosignatures on two nodes', () => {
  let cluster: Cluster
  const clients: CandorClient[] = []
  const witnessStore = new MemoryLocalStore()
  let vkey: string

  beforeAll(async () => {
    // The witness's key exists before the cluster: every node is started naming it.
    vkey = await new Witness(new ApiClient('http://127.0.0.1:9'), witnessStore, 'witness.cluster').verifierKey()
    cluster = await startCluster(2, { CANDOR_WITNESSES: vkey })
  })
  afterAll(async () => {
    for (const c of clients) c.close()
    await cluster?.close()
  })

  it('a cosignature posted to node 1 is served by node 2, where a client requiring the witness accepts it', async () => {
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string]
    const bob = await CandorClient.register(options(a), 'bob')
    const strict = await CandorClient.register({ ...options(b), directory: { witnesses: [vkey], requiredCosignatures: 1 } }, 'alice')
    clients.push(bob, strict)
    await expect(strict.verifiedDevices('bob')).rejects.toMatchObject({ code: 'directory_proof_invalid', message: expect.stringMatching(/cosignature/) })

    const r = await new Witness(new ApiClient(a), witnessStore, 'witness.cluster').witnessOnce()
    expect(r.cosigned).toBe(true)
    const served = ((await (await fetch(`${b}/v1/directory`)).json()) as { checkpoint: string }).checkpoint
    expect(served).toMatch(/\n\u2014 witness\.cluster /)
    expect((await strict.verifiedDevices('bob')).map((d) => d.deviceId)).toEqual([bob.deviceId])
  })
})

// Two server nodes on one PostgreSQL (docs/scale-out.md "The key directory"): a node learns the
// epochs and tombstones the other published by applying only those (KeyDirectory.catchUp over
// DirectoryStorage.loadSince), never by reading the whole directory again, and then serves
// exactly what a rebuild from the database would. Skipped (loudly) without PostgreSQL and NATS,
// as the other multi-node tests are; failed under CI=true.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { createServer, generateServerKeys, type CandorServer } from '@candor/server'
import { PostgresStore } from '@candor/store-postgres'
import { dropSchema, freshSchemaName } from '@candor/testkit/postgres'
import { encodeHistoryProof, encodeLookupProof, KeyDirectory, type DirectoryStorage } from '@candor/transparency'
import { clusterServicesMissing, PG_URL } from './multi-node-cluster.ts'

const missing = await clusterServicesMissing()

describe.skipIf(missing !== null)('the key directory on two nodes', () => {
  const schema = freshSchemaName()
  const keys = generateServerKeys()
  const stores: PostgresStore[] = []
  /** The adapters' own storage, uncounted (the rebuild reads through it). */
  const inners: DirectoryStorage[] = []
  const nodes: CandorServer[] = []
  const clients: CandorClient[] = []
  /** Per node: full reads of the directory (open) and rows read by catching up. */
  const reads = [0, 1].map(() => ({ fullLoads: 0, rowsSince: 0, catchUps: 0 }))

  beforeAll(async () => {
    for (const i of [0, 1]) {
      const store = await PostgresStore.open(PG_URL, { schema, max: 4 })
      const inner = store.directoryStorage()
      const counting: DirectoryStorage = {
        loadEntries: async () => {
          reads[i]!.fullLoads++
          return inner.loadEntries()
        },
        loadEpochs: () => inner.loadEpochs(),
        commitEpoch: (e, rows) => inner.commitEpoch(e, rows),
        tombstone: (l, v) => inner.tombstone(l, v),
        countEpochs: () => inner.countEpochs(),
        head: () => inner.head(),
        loadSince: async (e, t) => {
          const changes = await inner.loadSince(e, t)
          reads[i]!.catchUps++
          reads[i]!.rowsSince += changes.entries.length
          return changes
        },
      }
      store.directoryStorage = () => counting
      inners.push(inner)
      stores.push(store)
      nodes.push(await createServer({ store, keys, logLevel: 'silent', httpRatePerSecond: 10_000 }))
    }
  })
  afterAll(async () => {
    for (const c of clients) c.close()
    for (const n of nodes) await n.close()
    for (const s of stores) await s.close()
    await dropSchema(schema, PG_URL)
  })

  const options = (node: number) => ({ server: nodes[node]!.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket })
  async function user(name: string, node: number): Promise<CandorClient> {
    const c = await CandorClient.register(options(node), name, `${name}-device`)
    clients.push(c)
    return c
  }

  /** What each node serves of these labels, as bytes, beside what a rebuild from the database serves. */
  async function servedAndRebuilt(labels: string[]) {
    const show = async (d: KeyDirectory) =>
      JSON.stringify(await Promise.all(labels.map(async (l) => [Buffer.from(encodeLookupProof((await d.lookup(l))!)).toString('hex'), Buffer.from(encodeHistoryProof((await d.history(l))!)).toString('hex')])))
    const rebuilt = await KeyDirectory.open({ origin: nodes[0]!.context.directory.directory.origin, signingKey: keys.directorySigningKey, vrfKey: keys.directoryVrfKey, storage: inners[0]! })
    // Each node catches up on its next read (here: its public parameters).
    for (const n of nodes) await fetch(`${n.url}/v1/directory`)
    return { a: await show(nodes[0]!.context.directory.directory), b: await show(nodes[1]!.context.directory.directory), rebuilt: await show(rebuilt) }
  }

  it('a node applies only the epochs the other published, and then serves what a rebuild serves', async () => {
    const fullLoadsBefore = reads.map((r) => r.fullLoads)
    const alice = await user('alice', 0)
    const bob = await user('bob', 1)
    // bob's node learns alice's epoch, and alice's node bob's, through a lookup each.
    expect((await bob.verifiedDevices('alice')).map((d) => d.deviceId)).toEqual([alice.deviceId])
    expect((await alice.verifiedDevices('bob')).map((d) => d.deviceId)).toEqual([bob.deviceId])
    const carol = await user('carol', 0)
    expect((await bob.verifiedDevices('carol')).map((d) => d.deviceId)).toEqual([carol.deviceId])
    // Tombstoned on node 0 (what an erasure does after its last version): node 1 drops the values too.
    await nodes[0]!.context.directory.directory.tombstone('carol')
    const { a, b, rebuilt } = await servedAndRebuilt(['alice', 'bob', 'carol'])
    expect(b).toBe(rebuilt)
    expect(a).toBe(rebuilt)
    expect((await nodes[1]!.context.directory.directory.history('carol'))!.versions.every((v) => v.value === null)).toBe(true)
    // No node read the whole directory again; each read only rows of epochs it did not have.
    expect(reads.map((r) => r.fullLoads)).toEqual(fullLoadsBefore)
    expect(reads[1]!.catchUps).toBeGreaterThan(0)
    expect(reads[1]!.rowsSince).toBeLessThanOrEqual(3)
  })
})

// A block holds on every node at once (docs/protocol.md §5.5): two `candor serve` processes on
// one PostgreSQL and one NATS. Bob is on node 1, alice on node 2. Node 2 has just looked up who
// blocks alice (her last message went through it), so it holds that answer in its cache; bob
// blocks alice through node 1 and alice's very next message through node 2 must not reach him.
// Unblocking through node 1 lets her next one through node 2 at once. Without the bus notice
// node 2 keeps its cached answer for seconds: the blocked message reaches bob, and the one after
// the unblock is dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CandorClient, MemoryLocalStore, type MessageRecord } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { clusterServicesMissing, startCluster, type Cluster } from './multi-node-cluster.ts'

const missing = await clusterServicesMissing()

const options = (server: string) => ({ server, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket })

function nextMessage(c: CandorClient, match: (m: MessageRecord) => boolean, timeoutMs = 60_000): Promise<MessageRecord> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off()
      reject(new Error(`${c.userId} got no matching message in ${timeoutMs} ms`))
    }, timeoutMs)
    const off = c.on('message', (m) => {
      if (!match(m)) return
      clearTimeout(t)
      off()
      resolve(m)
    })
  })
}

describe.skipIf(missing !== null)('blocks across nodes', () => {
  let cluster: Cluster
  const clients: CandorClient[] = []
  beforeAll(async () => {
    cluster = await startCluster(2)
  })
  afterAll(async () => {
    for (const c of clients) c.close()
    await cluster?.close()
  })

  it('bob blocks alice on node 1: her next message through node 2 does not reach him; unblocked, the next one does', async () => {
    const [one, two] = cluster.nodes.map((n) => n.url) as [string, string]
    const bob = await CandorClient.register(options(one), 'bob', 'bob-phone')
    const alice = await CandorClient.register(options(two), 'alice', 'alice-phone')
    clients.push(bob, alice)
    await Promise.all([bob.connect(), alice.connect()])
    const got: string[] = []
    bob.on('message', (m) => {
      if (m.direction === 'in') got.push(m.text)
    })
    const conv = await alice.directConversation('bob')
    const first = nextMessage(bob, (m) => m.text === 'before the block')
    // Through node 2: it now caches who blocks alice (nobody) for its next messages.
    await alice.send(conv, 'before the block')
    await first

    await bob.requests.block(alice.userId)
    // Accepted and stored by node 2 (the sender is not told of a block), not queued for bob.
    await alice.send(conv, 'after the block')

    await bob.requests.unblock(alice.userId)
    const after = nextMessage(bob, (m) => m.text === 'after the unblock')
    await alice.send(conv, 'after the unblock')
    await after
    // Bob's queue is in order: had the blocked message been queued for him, it came first.
    expect(got).toEqual(['before the block', 'after the unblock'])
  })
})

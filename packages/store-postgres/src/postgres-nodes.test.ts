// Several server nodes (separate pools) on one database: what the contract cannot show with
// one store. Migration races, cross-node commits and claims, and seq visibility order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { newDeviceId, newGroupId, newMessageId, randomBytes, type DeviceId } from '@candor/protocol'
import { dropSchema, freshSchemaName, noDatabase, postgresAvailable, TEST_DATABASE_URL } from '@candor/testkit/postgres'
import { MIGRATIONS } from './migrations.ts'
import { PostgresStore } from './postgres-store.ts'

const available = await postgresAvailable()
if (!available) noDatabase('PostgresStore nodes')

describe.skipIf(!available)('PostgresStore with three nodes', () => {
  const schema = freshSchemaName()
  let nodes: PostgresStore[] = []
  const node = (i: number): PostgresStore => nodes[i % nodes.length]!

  beforeAll(async () => {
    // Three nodes starting at once against an empty schema.
    nodes = await Promise.all([0, 1, 2].map(() => PostgresStore.open(TEST_DATABASE_URL, { schema, max: 4 })))
  })
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()))
    await dropSchema(schema)
  })

  it('applied each migration exactly once', async () => {
    const sql = postgres(TEST_DATABASE_URL, { max: 1 })
    const rows = await sql`SELECT version FROM ${sql(schema)}.schema_migrations ORDER BY version`
    await sql.end()
    expect(rows.map((r) => Number(r['version']))).toEqual(MIGRATIONS.map((_, i) => i + 1))
  })

  it('accepts one commit per epoch across nodes', async () => {
    const groupId = newGroupId()
    const a = newDeviceId()
    await node(0).createGroup(groupId, a, Date.now())
    for (let epoch = 0; epoch < 10; epoch++) {
      const results = await Promise.all(
        nodes.map((n) =>
          n.acceptCommit({
            groupId, epoch, sender: a, messageId: newMessageId(), sentAt: Date.now(),
            commit: randomBytes(20), welcome: undefined, added: [], removed: [], groupInfo: randomBytes(30),
          }),
        ),
      )
      expect(results.filter((r) => r.accepted)).toHaveLength(1)
      expect(results.filter((r) => !r.accepted)).toEqual([{ accepted: false, epoch: epoch + 1 }, { accepted: false, epoch: epoch + 1 }])
    }
  })

  it('hands out each one-time key package once across nodes', async () => {
    const d = newDeviceId()
    await node(0).addKeyPackages(d, Array.from({ length: 20 }, () => randomBytes(32)), undefined)
    const claims = await Promise.all(Array.from({ length: 30 }, (_, i) => node(i).claimKeyPackage(d)))
    const got = claims.filter((c) => c !== null).map((c) => Buffer.from(c.keyPackage).toString('hex'))
    expect(got).toHaveLength(20)
    expect(new Set(got).size).toBe(20)
  })

  it('never lets a reader skip a seq while nodes write to the same device concurrently', async () => {
    const target = newDeviceId()
    const others = Array.from({ length: 5 }, () => newDeviceId())
    let writing = true
    const written: number[] = []
    const writers = nodes.map(async (n, w) => {
      for (let i = 0; i < 40; i++) {
        // Overlapping recipient sets in varying order also exercise deadlock freedom.
        const recipients: DeviceId[] = i % 2 ? [target, ...others] : [...others].reverse().concat(target)
        const batch = Array.from({ length: 1 + ((i + w) % 4) }, () => ({
          messageId: newMessageId(), groupId: newGroupId(), sender: others[w]!, kind: 0 as const,
          sentAt: Date.now(), payload: randomBytes(16), recipients,
        }))
        const results = await n.appendMessages(batch)
        for (const r of results) for (const d of r.deliveries) if (d.deviceId === target) written.push(d.seq)
      }
    })
    const seen: number[] = []
    const reader = (async () => {
      let cursor = 0
      for (;;) {
        const done = !writing
        const rows = await node(1).fetchQueue(target, cursor, 50)
        for (const r of rows) seen.push(r.seq)
        cursor = rows.at(-1)?.seq ?? cursor
        if (done && rows.length === 0) return
      }
    })()
    await Promise.all(writers)
    writing = false
    await reader
    const sorted = [...written].sort((x, y) => x - y)
    // Per-device seqs are contiguous, and the reader saw every one of them, in order.
    expect(sorted).toEqual(Array.from({ length: sorted.length }, (_, i) => i + 1))
    expect(seen).toEqual(sorted)
  })

  it('deletes a message once its recipients on different nodes have all acknowledged it at once', async () => {
    const sender = newDeviceId()
    const recipients = Array.from({ length: 3 }, () => newDeviceId())
    const batch = Array.from({ length: 30 }, () => ({
      messageId: newMessageId(), groupId: newGroupId(), sender, kind: 0 as const,
      sentAt: Date.now(), payload: randomBytes(16), recipients,
    }))
    const results = await node(0).appendMessages(batch)
    const ids = new Set(batch.map((m) => m.messageId))
    // Each recipient acknowledges every message from its own node, all at the same time, in
    // small overlapping slices so the three nodes' releases race on the same rows.
    const acks = recipients.flatMap((d, i) => {
      const seqs = results.map((r) => r.deliveries.find((x) => x.deviceId === d)!.seq)
      return [0, 10, 20].map((from) => node(i).ack(d, seqs.slice(from, from + 10)))
    })
    expect((await Promise.all(acks)).reduce((a, n) => a + n, 0)).toBe(90)
    const sql = postgres(TEST_DATABASE_URL, { max: 1 })
    const left = await sql`SELECT message_id FROM ${sql(schema)}.messages WHERE sender = ${sender}`
    await sql.end()
    expect(left.filter((r) => ids.has(r['message_id']))).toEqual([])
    for (const [i, d] of recipients.entries()) expect(await node(i).pendingCount(d)).toBe(0)
  })

  it('keeps a message until its last recipient acknowledges it', async () => {
    const sender = newDeviceId()
    const [a, b] = [newDeviceId(), newDeviceId()]
    const m = { messageId: newMessageId(), groupId: newGroupId(), sender, kind: 0 as const, sentAt: Date.now(), payload: randomBytes(16), recipients: [a, b] }
    const [r] = await node(0).appendMessages([m])
    expect(await node(1).ack(a, [r!.deliveries.find((x) => x.deviceId === a)!.seq])).toBe(1)
    const left = await node(2).fetchQueue(b, 0, 10)
    expect(left.map((q) => q.messageId)).toEqual([m.messageId])
    expect(await node(2).ack(b, [left[0]!.seq])).toBe(1)
    expect(await node(2).fetchQueue(b, 0, 10)).toEqual([])
  })
})

// Delivered receipts in a large group (docs/protocol.md §2 `receipt`): above the threshold (here
// lowered to 5 members by the `receipts` option, so a group of 12 is large) each member
// coalesces its delivered receipts over a window; they still reach the sender, one receipt per
// member naming every text, and a read receipt sent meanwhile replaces the delivered one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ReceiptContent } from '@candor/protocol'
import { CandorClient, MemoryLocalStore } from '../src/index.ts'
import { options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  for (const c of env.clients) c.close()
  await env.close()
})

describe('delivered receipts in a large group', () => {
  it('reach the sender from every member, coalesced into one receipt per member; a read receipt replaces a waiting delivered one', async () => {
    // Each batch waits 10–20 s: far longer than the three texts take to arrive.
    const receipts = { largeGroupMembers: 5, largeGroupDelayMs: 20_000 }
    // What alice's device decrypted: every member's receipts, by sender.
    const seen = new Map<string, ReceiptContent[]>()
    const alice = await CandorClient.register(
      {
        ...options(env.server.url, new MemoryLocalStore()),
        receipts,
        onContent: async (e) => {
          if (e.content.type === 'receipt') seen.set(e.sender.userId, [...(seen.get(e.sender.userId) ?? []), e.content])
        },
      },
      'lg-alice',
      'lg-alice-device',
    )
    env.clients.push(alice)
    await alice.connect()
    const others: CandorClient[] = []
    for (let i = 0; i < 11; i++) {
      const c = await CandorClient.register({ ...options(env.server.url, new MemoryLocalStore()), receipts }, `lg-${i}`, `lg-${i}-device`)
      env.clients.push(c)
      await c.connect()
      others.push(c)
    }
    const conv = await alice.createConversation(others.map((c) => c.userId))
    await waitFor(() => others.every((c) => c.conversations().some((v) => v.id === conv && v.status === 'active')), 'everyone to join', 120_000)

    // Each text goes once every member has stored the one before.
    const ids: string[] = []
    for (const t of ['one', 'two', 'three']) {
      ids.push((await alice.send(conv, t)).id)
      await waitFor(async () => {
        for (const c of others) if (!(await c.history(conv)).some((m) => m.text === t)) return false
        return true
      }, `everyone to store ${t}`)
    }
    // lg-0 reads the conversation before its delivered receipt went: it sends `read` instead.
    expect(await others[0]!.features.markRead(conv)).toBe(3)

    const states = async () => Promise.all(ids.map(async (id) => (await alice.history(conv)).find((m) => m.id === id)?.receipts ?? {}))
    await waitFor(async () => (await states()).every((r) => Object.keys(r).length === 11), 'every member’s receipt for every text at alice', 120_000)
    for (const r of await states()) {
      expect(r['lg-0']).toBe('read')
      for (const c of others.slice(1)) expect(r[c.userId]).toBe('delivered')
    }
    // One delivered receipt per member naming the three texts; lg-0 sent one read receipt and no delivered one.
    for (const c of others.slice(1)) {
      expect(seen.get(c.userId)?.map((r) => ({ kind: r.kind, ids: [...r.ids].sort() }))).toEqual([{ kind: 'delivered', ids: [...ids].sort() }])
    }
    expect(seen.get('lg-0')?.map((r) => ({ kind: r.kind, ids: [...r.ids].sort() }))).toEqual([{ kind: 'read', ids: [...ids].sort() }])
    // Shown to alice as read only when every member that answered read it: here lg-0 alone did.
    const shown = (await alice.history(conv)).find((m) => m.id === ids[0])
    expect(shown?.status).toBe('delivered')
  })
})

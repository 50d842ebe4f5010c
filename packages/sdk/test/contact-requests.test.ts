// Consent to be contacted (docs/protocol.md §5.5), through a real server and real clients: people
// of two organisations (acme, globex) are strangers, so a first conversation arrives as a request
// that holds at most a bounded number of messages until it is accepted; a decline tells the
// sender nothing; a block stops delivery and new requests; quotas give clear errors and change
// nothing; a reset does not turn members into requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CandorClient } from '../src/index.ts'
import { nextMessage, waitFor } from './dev-env.ts'
import { acquaint, code, startOrgEnv, type OrgEnv } from './org-env.ts'

const PER_REQUEST = 5
const PER_SENDER = 9

describe('contact requests', () => {
  let o: OrgEnv
  let n = 0
  /** A connected person of `org` with a fresh name. */
  async function person(org: 'acme' | 'globex', name: string): Promise<CandorClient> {
    const c = await o.person(`${name}${++n}@${org}.example`, org)
    await c.connect()
    return c
  }
  const received = (c: CandorClient, conv: string) => c.history(conv).then((h) => h.filter((m) => m.direction === 'in').map((m) => m.text))
  const joined = (c: CandorClient, conv: string) => c.conversations().some((v) => v.id === conv)

  beforeAll(async () => {
    o = await startOrgEnv({ contactLimits: { perRequest: PER_REQUEST, perSender: PER_SENDER } })
  })
  afterAll(async () => {
    await o.close()
  })

  it('a stranger’s first conversation is a request holding at most the quota; accepting delivers them in order', async () => {
    const alice = await person('acme', 'alice')
    const bob = await person('globex', 'bob')
    const notified = new Promise<{ requestId: string; from: string; groupId: string }>((resolve) => bob.on('request', resolve))
    const conv = await alice.directConversation(bob.userId)
    const texts = Array.from({ length: PER_REQUEST }, (_, i) => `hello ${i + 1}`)
    for (const t of texts) await alice.send(conv, t)
    // One more than the request holds: a clear error, and nothing stored.
    const over = await alice.send(conv, 'one too many').then(
      () => null,
      (e: { code: string; message: string }) => e,
    )
    expect(over).toMatchObject({ code: 'quota_exceeded' })
    expect(over?.message).toContain(`at most ${PER_REQUEST} messages`)

    const notice = await notified
    expect(notice).toMatchObject({ from: alice.userId, groupId: conv })
    const [request] = await bob.requests.list()
    expect(request).toMatchObject({ requestId: notice.requestId, from: alice.userId, groupId: conv, held: PER_REQUEST + 1 })
    // Nothing reached bob: no conversation, no message.
    await new Promise((r) => setTimeout(r, 300))
    expect(joined(bob, conv)).toBe(false)
    expect(await bob.inbox()).toEqual([])

    const accepted = await bob.requests.accept(request!.requestId)
    expect(accepted).toMatchObject({ requestId: request!.requestId, state: 'accepted', delivered: PER_REQUEST + 1 })
    await waitFor(async () => (await received(bob, conv)).length === PER_REQUEST, 'bob to receive the held messages')
    expect(await received(bob, conv)).toEqual(texts)
    expect(await bob.requests.list()).toEqual([])
    // Contacts both ways now: they talk freely, and the quota no longer applies.
    const reply = nextMessage(alice, (m) => m.text === 'hi alice')
    await bob.send(conv, 'hi alice')
    await reply
    const more = nextMessage(bob, (m) => m.text === 'more than the quota, fine now')
    await alice.send(conv, 'more than the quota, fine now')
    await more
    expect(await code(bob.requests.accept(request!.requestId))).toBe('not_found')
  })

  it('only its recipient sees, accepts or declines a request', async () => {
    const carol = await person('acme', 'carol')
    const dave = await person('globex', 'dave')
    const eve = await person('globex', 'eve')
    const conv = await carol.directConversation(dave.userId)
    await carol.send(conv, 'private to dave')
    await waitFor(async () => (await dave.requests.list()).length === 1, 'dave’s request')
    const [request] = await dave.requests.list()
    // The sender and a third person cannot see it, accept it or decline it.
    for (const other of [carol, eve]) {
      expect(await other.requests.list()).toEqual([])
      expect(await code(other.requests.accept(request!.requestId))).toBe('not_found')
      expect(await code(other.requests.decline(request!.requestId))).toBe('not_found')
    }
    expect(await code(eve.requests.accept('not-an-id'))).toBe('bad_request')
    expect(await dave.requests.list()).toMatchObject([{ requestId: request!.requestId, held: 2 }])
    expect(joined(eve, conv)).toBe(false)
  })

  it('a decline is silent: the held messages are dropped and the sender learns nothing', async () => {
    const frank = await person('acme', 'frank')
    const gina = await person('globex', 'gina')
    const conv = await frank.directConversation(gina.userId)
    await frank.send(conv, 'buy my thing')
    await waitFor(async () => (await gina.requests.list()).length === 1, 'gina’s request')
    const [request] = await gina.requests.list()
    const settled = new Promise((resolve) => gina.on('request_settled', resolve))
    expect(await gina.requests.decline(request!.requestId)).toMatchObject({ state: 'declined', delivered: 0 })
    expect(await settled).toEqual({ requestId: request!.requestId, state: 'declined' })
    // The sender goes on as before (sends are stored), and nothing ever reaches gina.
    const sent = await frank.send(conv, 'still there?')
    expect(sent.text).toBe('still there?')
    await new Promise((r) => setTimeout(r, 300))
    expect(joined(gina, conv)).toBe(false)
    expect(await gina.inbox()).toEqual([])
    expect(await gina.requests.list()).toEqual([])
    // Adding her again in the same conversation is dropped as well.
    expect(await code(gina.requests.accept(request!.requestId))).toBe('not_found')
  })

  it('a block stops a contact’s messages and a stranger’s new requests; unblocking lets new ones through', async () => {
    const hank = await person('acme', 'hank')
    const ivy = await person('globex', 'ivy')
    const jack = await person('acme', 'jack')
    await acquaint(hank, ivy)
    const conv = await hank.directConversation(ivy.userId)
    const first = nextMessage(ivy, (m) => m.text === 'before the block')
    await hank.send(conv, 'before the block')
    await first
    await ivy.requests.block(hank.userId)
    expect((await ivy.requests.blocks()).map((b) => b.userId)).toEqual([hank.userId])
    await hank.send(conv, 'after the block')
    // A stranger ivy blocked cannot open a request to her.
    await ivy.requests.block(jack.userId)
    const fromJack = await jack.directConversation(ivy.userId)
    await jack.send(fromJack, 'let me in')
    await new Promise((r) => setTimeout(r, 500))
    expect(await received(ivy, conv)).toEqual(['before the block'])
    expect(await ivy.requests.list()).toEqual([])
    expect(joined(ivy, fromJack)).toBe(false)

    // Unblocked, jack's next new conversation is a request again (the one started during the
    // block stays undelivered: ivy is in its MLS group but never got its welcome).
    await ivy.requests.unblock(jack.userId)
    expect(await code(ivy.requests.unblock(jack.userId))).toBe('not_found')
    const again = await jack.createConversation([ivy.userId])
    await waitFor(async () => (await ivy.requests.list()).length === 1, 'jack’s new request')
    expect((await ivy.requests.list())[0]).toMatchObject({ from: jack.userId, groupId: again })
    expect(await code(ivy.requests.block(ivy.userId))).toBe('bad_request')
    expect(await code(ivy.requests.block('nobody@globex.example'))).toBe('unknown_user')
  })

  it('a sender’s held messages are bounded over all their requests; over it nothing changes', async () => {
    const kim = await person('acme', 'kim')
    const targets = [await person('globex', 'lea'), await person('globex', 'max')]
    // PER_SENDER = 9: two requests of 1 welcome + 3 messages each is 8; a ninth, then refused.
    const convs = []
    for (const t of targets) {
      const c = await kim.directConversation(t.userId)
      convs.push(c)
      for (let i = 0; i < 3; i++) await kim.send(c, `to ${t.userId} ${i}`)
    }
    await kim.send(convs[0]!, 'ninth')
    expect(await code(kim.send(convs[1]!, 'tenth'))).toBe('quota_exceeded')
    const nora = await person('globex', 'nora')
    expect(await code(kim.directConversation(nora.userId))).toBe('quota_exceeded')
    expect(await nora.requests.list()).toEqual([])
    expect((await targets[1]!.requests.list())[0]).toMatchObject({ held: 4 })
    // A settled request frees its share.
    const [r0] = await targets[0]!.requests.list()
    await targets[0]!.requests.decline(r0!.requestId)
    await kim.send(convs[1]!, 'room again')
    expect((await targets[1]!.requests.list())[0]).toMatchObject({ held: 5 })
  })

  it('a reset does not turn members into requests, even where the organisation asks for them', async () => {
    const olga = await person('acme', 'olga')
    const pete = await person('acme', 'pete')
    // Same organisation, policy off (the default): no request.
    const conv = await olga.directConversation(pete.userId)
    const hi = nextMessage(pete, (m) => m.text === 'hi pete')
    await olga.send(conv, 'hi pete')
    await hi
    expect(await pete.requests.list()).toEqual([])

    // acme now asks for requests between its own members.
    const res = await fetch(`${o.env.server.url}/v1/orgs/acme/contact-policy`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await o.root.api.token()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requestsInside: true }),
    })
    expect(res.status).toBe(200)
    // A new conversation of olga with another member is a request now…
    const quinn = await person('acme', 'quinn')
    const toQuinn = await olga.directConversation(quinn.userId)
    await waitFor(async () => (await quinn.requests.list()).length === 1, 'quinn’s request')
    expect((await quinn.requests.list())[0]).toMatchObject({ groupId: toQuinn })

    // …but olga resetting the conversation with pete re-adds him as before.
    await olga.reset(conv)
    const after = nextMessage(pete, (m) => m.text === 'after the reset')
    await olga.send(conv, 'after the reset')
    await after
    expect(await pete.requests.list()).toEqual([])
  })

  it('a reset keeps a pending request pending and a declined one dropped', async () => {
    const rita = await person('acme', 'rita')
    const sven = await person('globex', 'sven')
    const tara = await person('globex', 'tara')
    const conv = await rita.createConversation([sven.userId, tara.userId])
    await rita.send(conv, 'before the reset')
    await waitFor(async () => (await sven.requests.list()).length === 1 && (await tara.requests.list()).length === 1, 'both requests')
    const [declined] = await tara.requests.list()
    await tara.requests.decline(declined!.requestId)

    const [first] = await sven.requests.list()
    const newGroup = await rita.reset(conv)
    // sven's request carries over to the new group: still one request to him, now the new
    // group's (the old group's stays pending behind it, settled with it); tara gets none.
    await waitFor(async () => (await sven.requests.list())[0]?.groupId === newGroup, 'sven’s request in the new group')
    const after = await sven.requests.list()
    expect(after.map((r) => r.from)).toEqual([rita.userId])
    expect(after[0]!.requestId).not.toBe(first!.requestId)
    expect(await tara.requests.list()).toEqual([])
    await new Promise((r) => setTimeout(r, 300))
    expect(joined(tara, conv)).toBe(false)

    // Accepting it accepts both: sven reads what was sent before the reset, then joins the new
    // group as the same conversation, and talks there.
    const before = nextMessage(sven, (m) => m.text === 'before the reset')
    await sven.requests.accept(after[0]!.requestId)
    await before
    await waitFor(() => sven.conversations().some((c) => c.id === conv && c.status === 'active') && sven.conversations().length === 1, 'sven in one conversation')
    const hello = nextMessage(sven, (m) => m.text === 'after the reset')
    await rita.send(conv, 'after the reset')
    await hello
    const back = nextMessage(rita, (m) => m.text === 'hello rita')
    await sven.send(conv, 'hello rita')
    await back
    expect(await sven.requests.list()).toEqual([])
  })
})

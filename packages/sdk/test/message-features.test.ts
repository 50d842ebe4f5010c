// Conversation features end to end through a real server (docs/protocol.md §2 version 2):
// replies, edits, deletes for everyone, reactions, mentions, delivered/read receipts, typing
// indicators, names and membership lines, pins and mutes — and what members who are not the
// sender of a message cannot do to it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { CandorClient, MemoryLocalStore, type MessageRecord } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeAll(async () => {
  env = await startDevEnv()
})
afterAll(async () => {
  await env.close()
})

async function find(c: CandorClient, conversation: string, id: string): Promise<MessageRecord | undefined> {
  return (await c.history(conversation)).find((m) => m.id === id)
}

/** Every table's rows, hashed: the whole database as a fingerprint. */
function databaseDigest(db: Database.Database): Record<string, string> {
  const out: Record<string, string> = {}
  for (const t of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]) {
    const rows = (db.prepare(`SELECT * FROM "${t}"`).raw().all() as unknown[][]).map((r) => JSON.stringify(r.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v))))
    out[t] = createHash('sha256').update(rows.sort().join('\n')).digest('hex')
  }
  return out
}

describe('conversation features through a real server', () => {
  it('reply, edit (history kept), react on/off, delete for everyone', async () => {
    const alice = await env.user('f-alice')
    const bob = await env.user('f-bob')
    const conv = await alice.directConversation('f-bob')
    const got = nextMessage(bob)
    const original = await alice.send(conv, 'lunch at noon?')
    await got

    // Bob replies quoting alice's message.
    const reply = nextMessage(alice)
    const r = await bob.features.reply(conv, original.id, 'yes!')
    expect(r.replyTo).toEqual({ id: original.id, from: 'f-alice', excerpt: 'lunch at noon?' })
    expect((await reply).replyTo).toEqual({ id: original.id, from: 'f-alice', excerpt: 'lunch at noon?' })

    // Alice edits hers twice: bob sees the latest, marked edited, with the earlier texts kept.
    await alice.features.edit(conv, original.id, 'lunch at one?')
    await alice.features.edit(conv, original.id, 'lunch at half past one?')
    await waitFor(async () => (await find(bob, conv, original.id))?.text === 'lunch at half past one?', 'the edit reaching bob')
    const edited = await find(bob, conv, original.id)
    expect(edited).toMatchObject({ edited: true, previousTexts: ['lunch at noon?', 'lunch at one?'] })
    expect(await find(alice, conv, original.id)).toMatchObject({ text: 'lunch at half past one?', edited: true })

    // Bob cannot edit or delete alice's message: refused on his device, nothing sent.
    await expect(bob.features.edit(conv, original.id, 'no lunch')).rejects.toMatchObject({ code: 'forbidden' })
    await expect(bob.features.delete(conv, original.id)).rejects.toMatchObject({ code: 'forbidden' })

    // Reactions: one per person per emoji; on and off.
    await bob.features.react(conv, original.id, '👍')
    await bob.features.react(conv, original.id, '👍')
    await alice.features.react(conv, original.id, '👍')
    await bob.features.react(conv, original.id, '🎉')
    await waitFor(async () => (await find(alice, conv, original.id))?.reactions?.['🎉']?.length === 1, 'bob’s reactions at alice')
    expect((await find(alice, conv, original.id))?.reactions).toEqual({ '👍': ['f-bob', 'f-alice'], '🎉': ['f-bob'] })
    await bob.features.react(conv, original.id, '🎉', false)
    await waitFor(async () => (await find(alice, conv, original.id))?.reactions?.['🎉'] === undefined, 'the withdrawn reaction')
    await expect(bob.features.react(conv, original.id, 'ab')).rejects.toMatchObject({ code: 'bad_request' })

    // Alice deletes it for everyone: text, reactions and edit history are gone on both devices,
    // and so is the text in the device store (not only hidden).
    await alice.features.delete(conv, original.id)
    await waitFor(async () => (await find(bob, conv, original.id))?.deleted === true, 'the delete reaching bob')
    for (const c of [alice, bob]) {
      const m = await find(c, conv, original.id)
      expect(m).toMatchObject({ text: '', deleted: true })
      expect(m?.reactions).toBeUndefined()
      expect(m?.previousTexts).toBeUndefined()
    }
    // A deleted message can no longer be replied to, edited or reacted to.
    await expect(bob.features.reply(conv, original.id, 'ok')).rejects.toMatchObject({ code: 'bad_request' })
    await expect(bob.features.react(conv, original.id, '👍')).rejects.toMatchObject({ code: 'bad_request' })
    expect((await alice.features.reply(conv, r.id, 'ok')).replyTo?.excerpt).toBe('yes!')
    await expect(alice.features.edit(conv, original.id, 'back')).rejects.toMatchObject({ code: 'bad_request' })
  })

  it('mentions highlight the person mentioned only; delivered and read receipts; read receipts off', async () => {
    const alice = await env.user('r-alice')
    const bob = await env.user('r-bob')
    const carol = await env.user('r-carol')
    const conv = await alice.createConversation(['r-bob', 'r-carol'])
    await waitFor(() => bob.conversations().length === 1 && carol.conversations().length === 1, 'both joined')
    const atBob = nextMessage(bob)
    const atCarol = nextMessage(carol)
    const m = await alice.features.sendMentioning(conv, '@r-bob can you look?', ['r-bob'])
    expect((await atBob).mentioned).toBe(true)
    expect((await atCarol).mentioned).toBe(false)

    // Each recipient's device tells alice it got it.
    await waitFor(async () => Object.keys((await find(alice, conv, m.id))?.receipts ?? {}).length === 2, 'delivered receipts')
    expect(await find(alice, conv, m.id)).toMatchObject({ status: 'delivered', receipts: { 'r-bob': 'delivered', 'r-carol': 'delivered' } })

    // Bob reads: alice sees it; carol has read receipts off: her state stays delivered.
    await carol.features.setReadReceipts(false)
    expect(await bob.features.markRead(conv)).toBe(1)
    expect(await carol.features.markRead(conv)).toBe(1)
    await waitFor(async () => (await find(alice, conv, m.id))?.receipts?.['r-bob'] === 'read', 'bob’s read receipt')
    await new Promise((r) => setTimeout(r, 300))
    expect((await find(alice, conv, m.id))?.receipts).toEqual({ 'r-bob': 'read', 'r-carol': 'delivered' })
    expect(await bob.features.unread(conv)).toBe(0)
    expect(await bob.features.markRead(conv)).toBe(0)
  })

  it('typing reaches the members online, shows for a while, and never reaches the server’s database', async () => {
    const alice = await env.user('t-alice')
    const bob = await env.user('t-bob')
    const conv = await alice.directConversation('t-bob')
    const hello = nextMessage(bob)
    const hi = await alice.send(conv, 'hi')
    await hello
    // Settled before the fingerprint (a fixed pause lost this race under load): bob's delivered
    // receipt has reached alice, every ack has been handled, and the database stays the same.
    const { store } = env.server.context
    await waitFor(
      async () => (await find(alice, conv, hi.id))?.receipts?.['t-bob'] === 'delivered' && (await store.pendingCount(alice.deviceId as never)) === 0 && (await store.pendingCount(bob.deviceId as never)) === 0,
      'bob’s receipt at alice and both queues empty',
    )
    const db = new Database(join(env.dataDir, 'candor.db'), { readonly: true, fileMustExist: true })
    try {
      let before = databaseDigest(db)
      await waitFor(async () => {
        await new Promise((r) => setTimeout(r, 500))
        const now = databaseDigest(db)
        const same = JSON.stringify(now) === JSON.stringify(before)
        before = now
        return same
      }, 'the database to stay the same for half a second')
      const typing = new Promise<{ userId: string; on: boolean }>((resolve) => bob.on('typing', (e) => resolve(e)))
      await alice.features.typing(conv, true)
      expect(await typing).toEqual({ conversation: conv, userId: 't-alice', on: true })
      expect(bob.features.typingIn(conv)).toEqual(['t-alice'])
      expect(databaseDigest(db)).toEqual(before)
      const stopped = new Promise<{ on: boolean }>((resolve) => bob.on('typing', (e) => resolve(e)))
      await alice.features.typing(conv, false)
      expect((await stopped).on).toBe(false)
      expect(bob.features.typingIn(conv)).toEqual([])
    } finally {
      db.close()
    }
  })

  it('rename (last in queue order wins), "X added Y" and "X left" lines, pins and mutes', async () => {
    const alice = await env.user('n-alice')
    const bob = await env.user('n-bob')
    const carol = await env.user('n-carol')
    const conv = await alice.createConversation(['n-bob'])
    await waitFor(() => bob.conversations().length === 1, 'bob joined')
    await Promise.all([alice.features.rename(conv, 'Lunch club'), bob.features.rename(conv, 'Dinner club')])
    await waitFor(async () => (await alice.history(conv)).filter((m) => m.kind === 'conversation').length === 2 && (await bob.history(conv)).filter((m) => m.kind === 'conversation').length === 2, 'both renames everywhere')
    // Both devices settle on the same name, whichever order they saw the renames in.
    expect(alice.features.info(conv).name).toBe(bob.features.info(conv).name)
    expect(alice.features.info(conv).name).not.toBeNull()
    expect((await alice.history(conv)).filter((m) => m.kind === 'conversation').map((m) => m.text).sort()).toEqual(['n-alice renamed the conversation to “Lunch club”', 'n-bob renamed the conversation to “Dinner club”'])

    const added = nextMessage(bob, (m) => m.kind === 'members')
    await alice.addMembers(conv, ['n-carol'])
    expect(await added).toMatchObject({ text: 'n-alice added n-carol', members: { added: ['n-carol'], removed: [] } })
    await waitFor(async () => carol.conversations().length === 1 && (await carol.history(conv)).some((m) => m.kind === 'members'), 'carol sees the line')

    const left = nextMessage(alice, (m) => m.kind === 'left')
    await carol.leave(conv)
    expect(await left).toMatchObject({ text: 'n-carol left', from: 'n-carol' })

    await alice.features.pin(conv)
    await alice.features.mute(conv)
    expect(alice.features.info(conv)).toMatchObject({ pinned: true, muted: true })
    expect(bob.features.info(conv)).toMatchObject({ pinned: false, muted: false })
  })
})

describe('disappearing messages', () => {
  it('an edited message’s earlier and later texts leave the device when it expires', async () => {
    const alice = await env.user('d-alice')
    const bobStore = new MemoryLocalStore()
    const bob = await env.user('d-bob', bobStore)
    const conv = await alice.directConversation('d-bob')
    await waitFor(() => bob.conversations().length === 1, 'bob joined')
    await alice.setDisappearingTimer(conv, 5)
    await waitFor(() => bob.conversations()[0]?.timer === 5000, 'bob learnt the timer')
    const got = nextMessage(bob, (m) => m.text === 'first words')
    const m = await alice.send(conv, 'first words')
    await got
    await alice.features.edit(conv, m.id, 'second words')
    await waitFor(async () => (await find(bob, conv, m.id))?.edited === true, 'the edit')
    expect(await bobStore.get(`msgstate/${m.id}`)).toContain('second words')
    await waitFor(async () => (await bobStore.get(`msgstate/${m.id}`)) === undefined, 'the edit to go with the message', 60_000)
    expect(await find(bob, conv, m.id)).toBeUndefined()
  })
})

describe('members who are not the sender', () => {
  it('an edit or delete of another user’s message, sent by a tampered device, is ignored and shows nothing', async () => {
    const alice = await env.user('x-alice')
    const bob = await env.user('x-bob')
    const malloryStore = new MemoryLocalStore()
    const mallory = await env.user('x-mallory', malloryStore)
    const conv = await alice.createConversation(['x-bob', 'x-mallory'])
    await waitFor(() => bob.conversations().length === 1 && mallory.conversations().length === 1, 'joined')
    const atBob = nextMessage(bob)
    const atMallory = nextMessage(mallory)
    const m = await alice.send(conv, 'the plan stands')
    await atBob
    await atMallory

    // Mallory rewrites her own device's copy so that alice's message looks like hers, then
    // edits, deletes and reacts through the ordinary client.
    mallory.close()
    const log = `history/${conv}`
    await malloryStore.rewrite(log, (await malloryStore.lines(log)).map((l) => {
      const r = JSON.parse(l) as MessageRecord
      return JSON.stringify(r.id === m.id ? { ...r, from: 'x-mallory' } : r)
    }))
    const tampered = (await CandorClient.open(options(env.server.url, malloryStore)))!
    env.clients.push(tampered)
    await tampered.connect()
    // A reaction is attributed to its MLS-authenticated sender, whatever the content says.
    await tampered.features.react(conv, m.id, '👎')
    await tampered.features.edit(conv, m.id, 'the plan is off')
    await tampered.features.delete(conv, m.id)
    // Something after them, so we know they were processed.
    const after = nextMessage(bob, (x) => x.text === 'done')
    await tampered.send(conv, 'done')
    await after
    for (const c of [alice, bob]) {
      const seen = await find(c, conv, m.id)
      expect(seen).toMatchObject({ text: 'the plan stands' })
      expect(seen?.edited).toBeUndefined()
      expect(seen?.deleted).toBeUndefined()
    }
    await waitFor(async () => (await find(bob, conv, m.id))?.reactions !== undefined, 'the reaction')
    expect((await find(bob, conv, m.id))?.reactions).toEqual({ '👎': ['x-mallory'] })
    // Nothing but mallory's own message and the reaction arrived as lines.
    expect((await bob.history(conv)).map((x) => x.text)).toEqual(['the plan stands', 'done'])
  })

  it('a reaction about a message of a conversation the sender is not in is ignored', async () => {
    const alice = await env.user('y-alice')
    const bob = await env.user('y-bob')
    const mStore = new MemoryLocalStore()
    const mallory = await env.user('y-mallory', mStore)
    const secret = await alice.directConversation('y-bob')
    const got = nextMessage(bob)
    const m = await alice.send(secret, 'just us')
    await got
    const open = await mallory.createConversation(['y-alice', 'y-bob'])
    await waitFor(() => alice.conversations().length === 2 && bob.conversations().length === 2, 'joined')
    // Mallory learnt the id somehow and plants it in her own history of the open conversation.
    mallory.close()
    await mStore.append(`history/${open}`, JSON.stringify({ id: m.id, conversation: open, from: 'y-alice', fromDevice: 'x', text: '', sentAt: 1, receivedAt: 1, direction: 'in' }))
    const tampered = (await CandorClient.open(options(env.server.url, mStore)))!
    env.clients.push(tampered)
    await tampered.connect()
    await tampered.features.react(open, m.id, '😈')
    const after = nextMessage(bob, (x) => x.text === 'end')
    await tampered.send(open, 'end')
    await after
    expect((await find(bob, secret, m.id))?.reactions).toBeUndefined()
    expect((await find(alice, secret, m.id))?.reactions).toBeUndefined()
  })
})

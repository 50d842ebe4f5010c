// The notice `legal_holds_changed` (docs/protocol.md §6, §11.10), through a real server and real
// SDK clients (event `legal_holds`): the people a hold covers — everyone in a held conversation,
// or the held person — are told when it is placed with its notice due and when it is released;
// a delayed hold tells nobody before its date and tells its people when the date comes (the
// receipt sweep, on the access gate's clock, which the test moves). Nobody else is told: not the
// officer, not a person of the organisation outside the conversation, not a stranger of another
// organisation. "Nothing came" is checked behind a later frame on the same socket (a notice or a
// message sent after it), never by waiting a fixed time.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { CandorClient } from '../src/index.ts'
import { acquaint, startOrgEnv, type OrgEnv } from './org-env.ts'

const T = 30_000
let clock = Date.now()
let o: OrgEnv
let olga: CandorClient, erin: CandorClient, frank: CandorClient, sam: CandorClient, stranger: CandorClient
let held = ''
let other = ''
const told = new Map<string, number>()
const count = (c: CandorClient) => told.get(c.userId) ?? 0

/** Waits until `c` got the message `text` in `conversation`: every frame sent to it before has arrived. */
async function received(c: CandorClient, conversation: string, text: string): Promise<void> {
  await expect.poll(async () => (await c.history(conversation)).some((m) => m.text === text), { timeout: T }).toBe(true)
}

beforeAll(async () => {
  o = await startOrgEnv({ accessClock: () => clock, receiptSweepMs: 200 })
  ;[olga, erin, frank, sam] = (await Promise.all(['olga', 'erin', 'frank', 'sam'].map((n) => o.person(`${n}@acme.example`, 'acme')))) as [CandorClient, CandorClient, CandorClient, CandorClient]
  await o.root.admin.grant('olga@acme.example', 'compliance_officer')
  stranger = await o.env.user('stranger')
  for (const c of [olga, erin, frank, sam, stranger]) {
    c.on('legal_holds', () => told.set(c.userId, count(c) + 1))
    await c.connect()
  }
  await acquaint(erin, stranger)
  held = await erin.createConversation([frank.userId])
  other = await erin.createConversation([sam.userId, stranger.userId, olga.userId])
  const joined = (ps: CandorClient[], id: string) => () => expect(ps.every((p) => p.conversations().some((c) => c.id === id))).toBe(true)
  await vi.waitFor(joined([frank], held), { timeout: T, interval: 100 })
  await vi.waitFor(joined([sam, stranger, olga], other), { timeout: T, interval: 100 })
}, 120_000)
afterAll(async () => o.close())

/** Nobody outside the held conversation was told anything: checked once a message sent after every notice reached them. */
async function nobodyElseTold(text: string): Promise<void> {
  await erin.send(other, text)
  for (const c of [sam, stranger, olga]) await received(c, other, text)
  expect([count(sam), count(stranger), count(olga)]).toEqual([0, 0, 0])
}

describe('legal_holds_changed', () => {
  it('a hold with its notice due: everyone in the conversation is told on placing and on release; nobody else', async () => {
    const h = await olga.compliance.placeHold('acme', `conversation:${held}`, { case: 'LH-N1' })
    await expect.poll(() => [count(erin), count(frank)], { timeout: T }).toEqual([1, 1])
    expect((await frank.compliance.holdsOnConversation(held)).map((x) => x.case)).toEqual(['LH-N1'])
    await olga.compliance.releaseHold('acme', h.id)
    await expect.poll(() => [count(erin), count(frank)], { timeout: T }).toEqual([2, 2])
    expect(await frank.compliance.holdsOnConversation(held)).toEqual([])
    await nobodyElseTold('after the first hold')
  })

  it('a delayed hold tells nobody before its date, and its people when the date comes', async () => {
    const delayed = await olga.compliance.placeHold('acme', `conversation:${held}`, { case: 'LH-N2', delayUntil: clock + 3_600_000 })
    // The sweep finds nothing due yet (it runs every 200 ms too; at this clock it never finds the hold's receipts).
    await o.env.server.context.directory.publishDueReceipts()
    // A hold on erin herself, due now: her one notice comes after anything the delayed hold could have sent her.
    const mine = await olga.compliance.placeHold('acme', `user:${erin.userId}`, { case: 'LH-N3' })
    await expect.poll(() => count(erin), { timeout: T }).toBe(3)
    await erin.send(held, 'before the date')
    await received(frank, held, 'before the date')
    expect([count(erin), count(frank)]).toEqual([3, 2])
    expect((await frank.compliance.myHolds()).holds).toEqual([])

    // The date comes: the receipt sweep makes the hold's receipts readable, and its people are told.
    clock += 2 * 3_600_000
    await expect.poll(() => [count(erin), count(frank)], { timeout: T }).toEqual([4, 3])
    expect((await frank.compliance.holdsOnConversation(held)).map((x) => x.case)).toEqual(['LH-N2'])

    await olga.compliance.releaseHold('acme', delayed.id)
    await expect.poll(() => [count(erin), count(frank)], { timeout: T }).toEqual([5, 4])
    await olga.compliance.releaseHold('acme', mine.id)
    await expect.poll(() => count(erin), { timeout: T }).toBe(6)
    await erin.send(held, 'after the releases')
    await received(frank, held, 'after the releases')
    expect(count(frank)).toBe(4)
    await nobodyElseTold('after the delayed hold')
  })

  it('a delayed hold released before its date tells nobody, then or on the date', async () => {
    const h = await olga.compliance.placeHold('acme', `conversation:${held}`, { case: 'LH-N4', delayUntil: clock + 3_600_000 })
    await olga.compliance.releaseHold('acme', h.id)
    clock += 2 * 3_600_000
    // Its receipts become readable (the sweep publishes them); no active hold names the date, so no notice.
    await expect.poll(async () => (await o.env.server.context.store.untalliedAccessSubjects(clock, 10)).length, { timeout: T }).toBe(0)
    await erin.send(held, 'after the released delayed hold')
    await received(frank, held, 'after the released delayed hold')
    expect([count(erin), count(frank)]).toEqual([6, 4])
    await nobodyElseTold('after the released delayed hold')
  })
})

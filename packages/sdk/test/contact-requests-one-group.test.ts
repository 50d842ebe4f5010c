// Two pending contact requests in one group (docs/protocol.md §5.5): a message is held for
// every pending request of its group or, when one of them is over a quota, for none — the
// sender is refused (`quota_exceeded`) and nothing changed. Before, the message was held for
// the requests before the full one and then refused, so whoever accepted those later received a
// message its sender had been told was not sent. Real server, real clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CandorClient } from '../src/index.ts'
import { nextMessage, waitFor } from './dev-env.ts'
import { code, startOrgEnv, type OrgEnv } from './org-env.ts'

// A recipient holds at most 5 messages over all requests; per request and sender there is room.
const PER_RECIPIENT = 5

describe('two pending requests in one group', () => {
  let o: OrgEnv
  let n = 0
  async function person(org: 'acme' | 'globex', name: string): Promise<CandorClient> {
    const c = await o.person(`${name}${++n}@${org}.example`, org)
    await c.connect()
    return c
  }

  beforeAll(async () => {
    o = await startOrgEnv({ contactLimits: { perRequest: 20, perSender: 100, perRecipient: PER_RECIPIENT } })
  })
  afterAll(async () => {
    await o.close()
  })

  it('a message over one request’s quota is held for neither, and the other recipient never receives it', async () => {
    const kim = await person('acme', 'kim')
    const lea = await person('globex', 'lea')
    const max = await person('globex', 'max')
    // max already waits on four other strangers' requests (their welcomes: 4 of his 5).
    const others = ['ola', 'pat', 'quin', 'rae']
    for (const name of others) await (await person('acme', name)).directConversation(max.userId)
    await waitFor(async () => (await max.requests.list()).length === others.length, 'max’s other requests')

    // kim's group: lea's request first (3 held for her by the end: under her quota), then max's
    // (its welcome is max's fifth held message: his quota is full).
    const conv = await kim.createConversation([lea.userId])
    await kim.send(conv, 'before max')
    await waitFor(async () => (await lea.requests.list()).length === 1, 'lea’s request')
    const heldForLea = async () => (await lea.requests.list()).find((r) => r.groupId === conv)!.held
    const leaBefore = await heldForLea()
    // The commit adding max goes through (commits are held beyond the quotas, for lea); kim's
    // "kim added max" line is the first message over max's quota: refused, and not held for lea.
    expect(await code(kim.addMembers(conv, [max.userId]))).toBe('quota_exceeded')
    await waitFor(async () => (await max.requests.list()).length === others.length + 1, 'max’s request from kim')
    expect(await heldForLea()).toBe(leaBefore + 1)
    expect(await code(kim.send(conv, 'refused for both'))).toBe('quota_exceeded')
    expect(await heldForLea()).toBe(leaBefore + 1)

    // lea accepts: she reads what was held, not the refused message.
    const [req] = (await lea.requests.list()).filter((r) => r.groupId === conv)
    const got = nextMessage(lea, (m) => m.text === 'before max')
    await lea.requests.accept(req!.requestId)
    await got
    await waitFor(() => lea.conversations().some((c) => c.id === conv), 'lea to join')
    // A message lea reads marks the end of what reaches her: the refused one is not before it.
    const after = nextMessage(lea, (m) => m.text === 'after lea accepted')
    // max is still over his quota: kim's message is refused until max settles his requests.
    for (const r of (await max.requests.list()).filter((r) => r.groupId !== conv)) await max.requests.decline(r.requestId)
    await kim.send(conv, 'after lea accepted')
    await after
    const texts = (await lea.history(conv)).filter((m) => m.direction === 'in').map((m) => m.text)
    expect(texts).toContain('before max')
    expect(texts).not.toContain('refused for both')
    expect(texts.filter((t) => / added /.test(t))).toEqual([])
  })
})

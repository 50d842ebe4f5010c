// A person held under a contact request (docs/protocol.md §5.5) and removed from the group
// before accepting: accepting later makes the two contacts, but the removed device never joins
// the group's delivery roster — the roster follows the validated tree (§5.1), not the request —
// and gets nothing sent after its removal. Through a real server and real clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CandorClient } from '../src/index.ts'
import { nextMessage, waitFor } from './dev-env.ts'
import { startOrgEnv, type OrgEnv } from './org-env.ts'

describe('a request whose recipient was removed before accepting', () => {
  let o: OrgEnv
  beforeAll(async () => {
    o = await startOrgEnv()
  })
  afterAll(async () => {
    await o.close()
  })

  it('accepting does not put the removed device on the roster, nor deliver what followed the removal', async () => {
    const alice = await o.person('alice@acme.example', 'acme')
    const carol = await o.person('carol@acme.example', 'acme')
    const bob = await o.person('bob@globex.example', 'globex')
    for (const c of [alice, carol, bob]) await c.connect()
    const conv = await alice.createConversation([carol.userId, bob.userId])
    await waitFor(() => carol.conversations().some((v) => v.id === conv), 'carol to join')
    await waitFor(async () => (await bob.requests.list()).length === 1, 'bob’s request')
    await alice.send(conv, 'while bob is asked')

    // alice takes bob out again before he answers.
    await alice.removeMembers(conv, [bob.userId])
    const [request] = await bob.requests.list()
    await bob.requests.accept(request!.requestId)
    const roster = (await o.env.server.context.store.getGroup(conv as never))!.members
    expect(roster).not.toContain(bob.deviceId)
    expect([...roster].sort()).toEqual([alice.deviceId, carol.deviceId].sort())

    // What is sent now reaches carol and not bob.
    const atCarol = nextMessage(carol, (m) => m.text === 'after bob left')
    await alice.send(conv, 'after bob left')
    await atCarol
    await bob.sync()
    expect((await bob.history(conv)).map((m) => m.text)).not.toContain('after bob left')
    expect(bob.conversations().find((v) => v.id === conv)?.status ?? 'none').not.toBe('active')
  })
})

// The stuck committer, in one process (the crash itself: packages/cli/test/committer-crash.test.ts).
// The server accepts alice's commit but its answer never reaches her device: the device kept
// the commit's resulting state aside before posting, learns that its commit took the epoch,
// adopts that state, and the conversation goes on. And the server's side of it: which commit
// took an epoch, told only to members.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CandorClient, MemoryLocalStore } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'
import { startOperatorProxy, type OperatorProxy } from './operator-proxy.ts'

let env: DevEnv
let proxy: OperatorProxy | undefined
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  for (const c of env.clients) c.close()
  await proxy?.close()
  proxy = undefined
  await env.close()
})

async function get(path: string, token: string): Promise<{ status: number; json: { error?: { code: string; details?: Record<string, unknown> } } & Record<string, unknown> }> {
  const res = await fetch(env.server.url + path, { headers: { authorization: `Bearer ${token}` } })
  return { status: res.status, json: (await res.json()) as never }
}

describe('a commit whose answer is lost', () => {
  it('is adopted once the device learns it was accepted, and the conversation goes on', async () => {
    let cutCommits = 0
    proxy = await startOperatorProxy(env.server.url, (m, u) => (m === 'POST' && u.pathname.endsWith('/commits') && cutCommits-- > 0 ? 'cut-answer' : undefined))
    const alice = await CandorClient.register(options(proxy.url, new MemoryLocalStore()), 'alice', 'alice-device')
    env.clients.push(alice)
    await alice.connect()
    const bob = await env.user('bob')
    const carol = await env.user('carol')
    const conv = await alice.createConversation(['bob'])
    await waitFor(() => bob.conversations().some((c) => c.id === conv), 'bob to join')

    cutCommits = 1
    await alice.addMembers(conv, ['carol'])
    expect(cutCommits).toBe(-1)
    expect(alice.conversations().find((c) => c.id === conv)?.epoch).toBe(2)
    expect(await env.server.context.store.acceptedCommit(conv as never, 1)).not.toBeNull()
    await waitFor(() => carol.conversations().some((c) => c.id === conv), 'carol to join')

    const atCarol = nextMessage(carol, (m) => m.text === 'carol, welcome')
    await alice.send(conv, 'carol, welcome')
    expect((await atCarol).from).toBe('alice')
    const atAlice = nextMessage(alice, (m) => m.text === 'thanks')
    await carol.send(conv, 'thanks')
    await atAlice
  })
})

describe('GET /v1/groups/:groupId/commits/:epoch', () => {
  it('names the commit that took an epoch, to members only', async () => {
    const alice = await env.user('alice')
    const bob = await env.user('bob')
    const mallory = await env.user('mallory')
    const conv = await alice.createConversation(['bob'])
    await waitFor(() => bob.conversations().some((c) => c.id === conv), 'bob to join')
    const token = await bob.api.token()

    const r = await get(`/v1/groups/${conv}/commits/0`, token)
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ groupId: conv, epoch: 0, messageId: await env.server.context.store.acceptedCommit(conv as never, 0) })
    expect(await bob.api.acceptedCommit(conv, 0)).toBe(r.json.messageId)

    const ahead = await get(`/v1/groups/${conv}/commits/1`, token)
    expect(ahead.status).toBe(404)
    expect(ahead.json.error).toMatchObject({ code: 'not_found', details: { epoch: 1 } })
    expect(await bob.api.acceptedCommit(conv, 1)).toBeNull()

    expect((await get(`/v1/groups/${conv}/commits/0`, await mallory.api.token())).json.error?.code).toBe('not_member')
    for (const bad of ['01', '-1', '1.0', 'x']) {
      expect((await get(`/v1/groups/${conv}/commits/${bad}`, token)).json.error?.code).toBe('bad_request')
    }
  })
})

// A post-quantum (suite 83) group holds at most LIMITS.pqGroupMembers = 400 devices, and a
// client adds at most LIMITS.pqAddsPerCommit = 100 per commit (docs/protocol.md §5.0), through a
// real server and a real client. The cap is judged for the whole add before its first commit:
// judged commit by commit, adding 249 people to a group of 152 made two commits (252, then 352
// devices) before the third was refused. An add too large by its people alone is refused before
// their key packages are claimed. The people added are bare devices (bare-devices.ts):
// registered, proven by the key directory, one key package each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CandorError, LIMITS } from '@candor/protocol'
import { PQ_SUITE } from '@candor/crypto'
import type { CandorClient } from '../src/index.ts'
import { bareDevices, type BareDevice } from './bare-devices.ts'
import { startDevEnv, waitFor, type DevEnv } from './dev-env.ts'
import { logRequests, type LoggedRequest } from './request-log.ts'

let env: DevEnv
beforeAll(async () => {
  // About 2,000 registration requests from one address (400 bare devices, five calls each): on a
  // fast machine they outrun the per-address HTTP allowance (200/s, burst 800), which this test is
  // not about, so it gets a larger one.
  env = await startDevEnv({ httpRatePerSecond: 5_000 })
})
afterAll(async () => {
  await env.close()
})

const isCommit = (r: LoggedRequest) => r.method === 'POST' && /^\/v1\/groups\/[^/]+\/commits$/.test(r.path)
const isClaim = (r: LoggedRequest) => r.method === 'POST' && /^\/v1\/users\/[^/]+\/key-packages\/claim$/.test(r.path)

describe('a post-quantum group of at most 400 devices', () => {
  it('takes 150 devices as commits of 100 and 50; refuses 249 more (401) whole, before any commit, and nothing changes', async () => {
    expect([LIMITS.pqGroupMembers, LIMITS.pqAddsPerCommit]).toEqual([400, 100])
    const ann: CandorClient = await env.user('ann')
    const [ben] = await bareDevices(env.server.url, 'ben', 1, 'ann')
    const first: BareDevice[] = await bareDevices(env.server.url, 'first', 150, 'ann')
    const more: BareDevice[] = await bareDevices(env.server.url, 'more', 249, 'ann')

    const conv = await ann.createConversation([ben!.userId])
    expect(ann.encryptionOf(conv).suite).toBe(PQ_SUITE)
    const group = async () => (await env.server.context.store.getGroup(conv as never))!

    // 150 in: two commits, of 100 and 50 devices, each accepted by the server's validator.
    const log = logRequests(env.server.url)
    try {
      const before = (await group()).epoch
      await ann.addMembers(conv, first.map((d) => d.userId))
      const commits = log.requests.filter(isCommit)
      expect(commits.map((r) => r.status)).toEqual([200, 200])
      expect((await group()).epoch).toBe(before + 2)
      expect((await group()).members).toHaveLength(152)
      await waitFor(async () => (await ann.whoCanRead(conv)).length === 152, 'ann to count 152 members')

      // 249 more would make 401: refused before anything is sent; the group is as it was.
      const epoch = (await group()).epoch
      const members = [...(await group()).members].sort()
      const sent = log.requests.length
      const refused = await ann.addMembers(conv, more.map((d) => d.userId)).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(refused).toBeInstanceOf(CandorError)
      expect(refused).toMatchObject({ code: 'forbidden', message: 'a post-quantum group has at most 400 devices' })
      expect(log.requests.slice(sent).filter(isCommit)).toEqual([])
      // 249 people are too many whatever their devices: nobody's key package was claimed (spent) for it.
      expect(log.requests.slice(sent).filter(isClaim)).toEqual([])
      for (const d of [more[0]!, more[248]!]) expect(await env.store.countKeyPackages(d.deviceId as never, 83)).toMatchObject({ oneTime: 1 })
      expect((await group()).epoch).toBe(epoch)
      expect([...(await group()).members].sort()).toEqual(members)
      expect(await ann.whoCanRead(conv)).toHaveLength(152)
    } finally {
      log.stop()
    }
    // About 400 registrations and 150 proven claims: two minutes on a loaded machine.
  }, 480_000)
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CommitRequest } from '@candor/protocol'
import { nextMessage, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

describe('one commit per epoch', () => {
  let env: DevEnv
  beforeAll(async () => {
    env = await startDevEnv()
  })
  afterAll(async () => {
    await env.close()
  })

  it('refuses a stale commit with the current epoch, and a client retry succeeds', async () => {
    const [alice, bob, carol, dave] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((u) => env.user(u)))
    const group = await alice!.createConversation(['bob'])
    await waitFor(() => bob!.conversations().some((c) => c.id === group), 'bob to join')

    // Replaying an accepted commit: the server answers stale_epoch with the current epoch.
    const posted: CommitRequest[] = []
    const original = alice!.api.commit.bind(alice!.api)
    alice!.api.commit = async (g, body) => {
      posted.push(body)
      return original(g, body)
    }
    await alice!.addMembers(group, ['carol'])
    const replay = await alice!.api.commit(group, posted[0]!).catch((e: unknown) => e)
    expect(replay).toMatchObject({ code: 'stale_epoch', details: { epoch: 2 } })

    // Bob commits without having processed alice's commit: refused, then retried on top of it.
    // Bob's commit, built on the epoch he has, is posted only once alice's was accepted (else
    // which one is built first depends on timing: a post-quantum add takes longer to build).
    const rejectedBefore = await rejections(env)
    const aliceAdds = alice!.addMembers(group, ['dave'])
    const bobCommit = bob!.api.commit.bind(bob!.api)
    let held = false
    bob!.api.commit = async (g, body) => {
      if (!held) {
        held = true
        await aliceAdds.catch(() => undefined)
      }
      return bobCommit(g, body)
    }
    await Promise.all([aliceAdds, bob!.removeMembers(group, ['carol'])])
    expect(await rejections(env)).toBeGreaterThan(rejectedBefore)
    await waitFor(async () => {
      const who = (await bob!.whoCanRead(group)).map((r) => r.userId)
      return who.includes('dave') && !who.includes('carol')
    }, 'both changes to land')
    const m = nextMessage(dave!, (x) => x.text === 'everyone agrees')
    await bob!.send(group, 'everyone agrees')
    expect((await m).from).toBe('bob')
    void carol
  })
})

async function rejections(env: DevEnv): Promise<number> {
  const metric = await env.server.context.metrics.rejected.get()
  return metric.values.filter((v) => v.labels.code === 'stale_epoch').reduce((a, v) => a + v.value, 0)
}

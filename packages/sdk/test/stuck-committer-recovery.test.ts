// The stuck committer that stuck-committer.test.ts does not cover: a committer whose commit the
// server accepted but no other member can process (here a wrong confirmation tag, as a buggy
// client would make). Its device moved to the new epoch alone; the others report it and reset
// without it; it is stuck in a group nobody reads any more, until a member adds it back — then
// it joins the new group under the same conversation and talks again.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newMessageId, toBase64Url } from '@candor/protocol'
import { DirectoryAuthenticationService, clientConfigWith, commitWithWrongConfirmationTag, epochOf, getSuites, loadState, saveState } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  await env.close()
})

describe('a committer whose commit nobody else can process', () => {
  it('is left out by a reset, sees nothing more of the old group, and talks again once added back', async () => {
    const [ann, ben, dan] = await Promise.all(['ann', 'ben', 'dan'].map((u) => env.user(u))) as [CandorClient, CandorClient, CandorClient]
    const catStore = new MemoryLocalStore()
    const cat = await env.user('cat', catStore)
    const conv = await ann.createConversation(['ben', 'cat', 'dan'])
    await waitFor(() => [ben, cat, dan].every((c) => c.conversations().some((v) => v.id === conv)), 'everyone to join')

    // cat's device commits and moves to the next epoch, believing its commit fine; it is not.
    cat.close()
    const suite = await getSuites(nodeCryptoProvider())
    const before = loadState((await catStore.get(`state/${conv}`))!, clientConfigWith(new DirectoryAuthenticationService(async () => null)))
    const epoch = epochOf(before)
    const bad = await commitWithWrongConfirmationTag(suite, before)
    const posted = await fetch(`${env.server.url}/v1/groups/${conv}/commits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await cat.api.token()}` },
      body: JSON.stringify({ messageId: newMessageId(), commit: toBase64Url(bad.commit), groupInfo: toBase64Url(bad.groupInfo) }),
    })
    expect(posted.status).toBe(200)
    await catStore.put(`state/${conv}`, saveState(bad.state))
    const stuck = (await CandorClient.open(options(env.server.url, catStore)))!
    env.clients.push(stuck)
    await stuck.connect()
    expect(stuck.conversations().find((v) => v.id === conv)?.epoch).toBe(epoch + 1)

    // The others reset without cat's device, and talk.
    for (const c of [ann, ben, dan]) {
      await waitFor(async () => (await c.history(conv)).some((m) => m.kind === 'reset'), `${c.userId} to see the reset`)
      expect((await c.history(conv)).find((m) => m.kind === 'reset')?.reset?.leftOut).toEqual([{ userId: 'cat', deviceId: cat.deviceId }])
    }
    const atDan = nextMessage(dan, (m) => m.text === 'without cat')
    await ben.send(conv, 'without cat')
    await atDan
    // The stuck device reads the announcement in the old group (an epoch it still has keys for):
    // it knows it was left out, and sends nothing more there.
    await waitFor(async () => (await stuck.history(conv)).some((m) => m.kind === 'reset'), 'cat to see it was left out')
    expect(stuck.conversations().find((v) => v.id === conv)?.status).toBe('removed')
    await expect(stuck.send(conv, 'anyone there?')).rejects.toMatchObject({ code: 'not_member' })

    // Added back by a member, it joins the new group under the same conversation.
    await ben.addMembers(conv, ['cat'])
    await waitFor(() => stuck.conversations().find((v) => v.id === conv)?.status === 'active', 'cat to be back')
    expect(stuck.conversations().filter((v) => v.id === conv)).toMatchObject([{ status: 'active', members: ['ann', 'ben', 'cat', 'dan'] }])
    const atCat = nextMessage(stuck, (m) => m.text === 'welcome back')
    await dan.send(conv, 'welcome back')
    expect(await atCat).toMatchObject({ from: 'dan', conversation: conv })
    const atAnn = nextMessage(ann, (m) => m.text === 'back again')
    await stuck.send(conv, 'back again')
    expect((await atAnn).conversation).toBe(conv)
  })
})

// A member that cannot follow its group rejoins it by an external commit from the server's
// GroupInfo (docs/protocol.md §5.2, §5.3), through a real server and real clients: a device whose
// state is an old backup, one that meets a commit it cannot process, one shown a forged GroupInfo
// by the operator (it does not join, and reports), and a revoked device (refused, once).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fromBase64Url, toBase64Url } from '@candor/protocol'
import { clientConfigWith, commitChanges, decodeKeyPackage, epochOf, generateDeviceKey, getSuite, groupInfoForExternalJoin, newKeyPackage, startGroup } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore, type MessageRecord } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'
import { startOperatorProxy, type OperatorProxy } from './operator-proxy.ts'

let env: DevEnv
let proxy: OperatorProxy | undefined
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  await proxy?.close()
  proxy = undefined
  await env.close()
})

const kinds = async (c: CandorClient, conv: string): Promise<Array<MessageRecord['kind']>> => (await c.history(conv)).map((m) => m.kind)

/** Both ways: `a` → each of `others`, and the first of `others` → `a`. */
async function talk(a: CandorClient, others: CandorClient[], conv: string, tag: string): Promise<void> {
  const there = others.map((o) => nextMessage(o, (m) => m.text === `${tag} from ${a.userId}`))
  await a.send(conv, `${tag} from ${a.userId}`)
  await Promise.all(there)
  const back = nextMessage(a, (m) => m.text === `${tag} to ${a.userId}`)
  await others[0]!.send(conv, `${tag} to ${a.userId}`)
  await back
}

/**
 * ann, ben, cat (whose store the test holds), and `extra` more users, in one conversation;
 * returns cat's state as saved then (a backup) after a first message went round.
 */
async function setUp(extra: string[]) {
  const [ann, ben] = (await Promise.all(['ann', 'ben'].map((u) => env.user(u)))) as [CandorClient, CandorClient]
  const catStore = new MemoryLocalStore()
  const cat = await env.user('cat', catStore)
  for (const u of extra) await env.user(u)
  const conv = await ann.createConversation(['ben', 'cat', ...extra])
  await waitFor(() => [ben, cat].every((c) => c.conversations().some((v) => v.id === conv)), 'everyone to join')
  await talk(cat, [ann, ben], conv, 'hello')
  const backup = (await catStore.get(`state/${conv}`))!
  return { ann, ben, cat, catStore, conv, backup }
}

/** Closes cat's client, puts the backup back as its state, and opens it again (at `server`). */
async function restore(cat: CandorClient, catStore: MemoryLocalStore, conv: string, backup: string, server = env.server.url): Promise<CandorClient> {
  cat.close()
  await catStore.put(`state/${conv}`, backup)
  const restored = (await CandorClient.open(options(server, catStore)))!
  env.clients.push(restored)
  return restored
}

describe('rejoining by an external commit', () => {
  it('a device restored from an old backup rejoins on the first message it cannot read, and talks both ways; nobody resets', async () => {
    const { ann, ben, cat, catStore, conv, backup } = await setUp(['dan'])
    const epochBefore = cat.conversations().find((v) => v.id === conv)!.epoch
    await ann.removeMembers(conv, ['dan'])
    await waitFor(() => cat.conversations().find((v) => v.id === conv)!.epoch > epochBefore, 'cat to process the removal')

    const restored = await restore(cat, catStore, conv, backup)
    const reports: unknown[] = []
    ann.on('report', (r) => reports.push(r))
    await restored.connect()
    expect(restored.conversations().find((v) => v.id === conv)?.epoch).toBe(epochBefore)

    const rejoined = nextMessage(restored, (m) => m.kind === 'rejoined')
    await ann.send(conv, 'sent while cat could not read')
    const notice = await rejoined
    expect(notice.text).toBe('You rejoined the conversation; messages sent while you could not read may be missing.')
    // The others processed the external commit as any commit: one epoch on, cat's device still one leaf.
    await waitFor(() => ann.conversations().find((v) => v.id === conv)!.epoch === restored.conversations().find((v) => v.id === conv)!.epoch, 'ann to process the rejoin')
    const readers = await ann.whoCanRead(conv)
    expect(readers.find((r) => r.userId === 'cat')?.devices.map((d) => d.deviceId)).toEqual([restored.deviceId])
    expect(readers.some((r) => r.userId === 'dan')).toBe(false)

    await talk(restored, [ann, ben], conv, 'after the rejoin')
    for (const c of [ann, ben, restored]) expect(await kinds(c, conv)).not.toContain('reset')
    expect(reports).toEqual([])
  })

  it('a device that cannot process a commit (it is behind) rejoins instead of reporting or resetting', async () => {
    const { ann, ben, cat, catStore, conv, backup } = await setUp(['dan', 'eve'])
    const epochBefore = cat.conversations().find((v) => v.id === conv)!.epoch
    await ann.removeMembers(conv, ['dan'])
    await waitFor(() => cat.conversations().find((v) => v.id === conv)!.epoch > epochBefore, 'cat to process the removal')
    const restored = await restore(cat, catStore, conv, backup)
    const reports: unknown[] = []
    ann.on('report', (r) => reports.push(r))
    ben.on('report', (r) => reports.push(r))
    await restored.connect()

    // The next commit is from an epoch cat's device never reached.
    const rejoined = nextMessage(restored, (m) => m.kind === 'rejoined')
    await ben.removeMembers(conv, ['eve'])
    await rejoined
    await talk(restored, [ben, ann], conv, 'after the missed commit')
    expect(reports).toEqual([])
    for (const c of [ann, ben, restored]) expect(await kinds(c, conv)).not.toContain('reset')
    const members = (await ben.whoCanRead(conv)).map((r) => r.userId).sort()
    expect(members).toEqual(['ann', 'ben', 'cat'])
  })

  it('a committer that lost the state its accepted commit led to rejoins on the next message', async () => {
    // Every answer to alice's commit is lost, and so is the question whether it was accepted.
    let cut = 0
    proxy = await startOperatorProxy(env.server.url, (m, u) => {
      if (cut > 0 && m === 'POST' && u.pathname.endsWith('/commits')) return 'cut-answer'
      if (cut > 0 && m === 'GET' && /\/commits\/\d+$/.test(u.pathname)) return 'hang'
      return undefined
    })
    const aliceStore = new MemoryLocalStore()
    const alice = await CandorClient.register(options(proxy.url, aliceStore), 'alice', 'alice-device')
    env.clients.push(alice)
    await alice.connect()
    const bob = await env.user('bob')
    const carol = await env.user('carol')
    const conv = await alice.createConversation(['bob'])
    await waitFor(() => bob.conversations().some((c) => c.id === conv), 'bob to join')
    const epoch = alice.conversations().find((v) => v.id === conv)!.epoch

    cut = 1
    await Promise.race([alice.addMembers(conv, ['carol']).catch(() => undefined), new Promise((r) => setTimeout(r, 3000))])
    await waitFor(() => carol.conversations().some((c) => c.id === conv), 'carol to join from the accepted commit')
    // The device stops before it learns the answer, and what it kept is gone (a lost disk write).
    alice.close()
    proxy.releaseHung()
    cut = 0
    expect(await aliceStore.keys('pending-commit/')).toEqual([`pending-commit/${conv}`])
    await aliceStore.delete(`pending-commit/${conv}`)
    const back = (await CandorClient.open(options(env.server.url, aliceStore)))!
    env.clients.push(back)
    expect(back.conversations().find((v) => v.id === conv)?.epoch).toBe(epoch)
    const reports: unknown[] = []
    bob.on('report', (r) => reports.push(r))
    await back.connect()
    // Its own commit never comes back to it (the server sends a commit to the other members): the
    // first message of the epoch it made shows the device it is behind.
    const rejoined = nextMessage(back, (m) => m.kind === 'rejoined')
    await bob.send(conv, 'alice cannot read this one')
    await rejoined
    await talk(back, [carol, bob], conv, 'after the lost commit')
    expect(reports).toEqual([])
    for (const c of [back, bob, carol]) expect(await kinds(c, conv)).not.toContain('reset')
  })

  it('a GroupInfo with a key the directory does not prove is not joined: the device posts nothing and reports instead', async () => {
    const { ann, ben, cat, catStore, conv, backup } = await setUp(['dan', 'eve'])
    const epochBefore = cat.conversations().find((v) => v.id === conv)!.epoch
    await ann.removeMembers(conv, ['dan'])
    await waitFor(() => cat.conversations().find((v) => v.id === conv)!.epoch > epochBefore, 'cat to process the removal')

    // The operator makes a group of its own under the conversation's id: a leaf claiming to be
    // ben's device with a key the operator holds, and cat's device (a key package it claimed),
    // moved on to a later epoch than the real group's.
    const suite = await getSuite(nodeCryptoProvider())
    const config = clientConfigWith({ validateCredential: async () => true })
    const fake = generateDeviceKey()
    const fakeBen = await newKeyPackage(suite, { userId: 'ben', deviceId: ben.deviceId, publicKey: fake.publicKey, secretKey: fake.secretKey }, false)
    let state = await startGroup(suite, config, fromBase64Url(conv)!, fakeBen)
    const [claimed] = (await ann.api.claimKeyPackages('cat', [cat.deviceId])).keyPackages
    state = (await commitChanges(suite, state, [decodeKeyPackage(fromBase64Url(claimed!.keyPackage)!)], [])).state
    while (epochOf(state) < epochBefore + 5) state = (await commitChanges(suite, state, [], [])).state
    const forged = toBase64Url(await groupInfoForExternalJoin(suite, state))
    let served = 0
    proxy = await startOperatorProxy(env.server.url, (method, url) => {
      if (method !== 'GET' || url.pathname !== `/v1/groups/${conv}/group-info`) return undefined
      served++
      return { status: 200, body: { groupId: conv, epoch: epochOf(state), groupInfo: forged } }
    })

    const restored = await restore(cat, catStore, conv, backup, proxy.url)
    const errors: string[] = []
    restored.on('error', (e) => errors.push(`${e.where}: ${String((e.error as Error).message)}`))
    const reported = new Promise((resolve) => ann.on('report', resolve))
    await restored.connect()
    await ben.removeMembers(conv, ['eve'])
    // It falls back to the report (the commit came from an epoch it never reached: no reset of its own).
    await reported
    expect(errors.some((e) => e.startsWith(`rejoining conversation ${conv}`) && /credential/i.test(e))).toBe(true)
    expect(proxy.forwarded.filter((p) => p.endsWith('/external-commits'))).toEqual([])
    expect(await kinds(restored, conv)).not.toContain('rejoined')
    expect(restored.conversations().find((v) => v.id === conv)?.epoch).toBe(epochBefore)
    // Later messages it cannot read do not make it ask again at once.
    const shown = nextMessage(restored, (m) => m.kind === 'undecryptable')
    await ann.send(conv, 'cat cannot read this')
    await shown
    await new Promise((r) => setTimeout(r, 200))
    expect(served).toBe(1)
    // The real group never saw the operator's leaf.
    expect((await ann.whoCanRead(conv)).find((r) => r.userId === 'cat')?.devices.map((d) => d.deviceId)).toEqual([cat.deviceId])
  })

  it('a revoked device cannot rejoin: the server refuses it, and the device asks once', async () => {
    const alice = await env.user('alice')
    const bob = await env.user('bob')
    const laptopStore = new MemoryLocalStore()
    proxy = await startOperatorProxy(env.server.url, () => undefined)
    const laptop = await CandorClient.enrol(options(proxy.url, laptopStore), 'alice', 'laptop')
    env.clients.push(laptop)
    const approved = laptop.waitForApproval()
    await alice.approve(laptop.deviceId)
    await approved
    await laptop.connect()
    const conv = await alice.directConversation('bob')
    await waitFor(() => laptop.conversations().some((c) => c.id === conv), 'laptop to join the conversation')
    const epoch = laptop.conversations().find((v) => v.id === conv)!.epoch
    laptop.close()

    await alice.revoke(laptop.deviceId)
    await bob.send(conv, 'after the laptop went')
    const back = (await CandorClient.open(options(proxy.url, laptopStore)))!
    env.clients.push(back)
    const errors: unknown[] = []
    back.on('error', (e) => errors.push(e.error))
    const asked = proxy.forwarded.length
    expect(await back.rejoin(conv)).toBe(false)
    expect(errors).toEqual([expect.objectContaining({ code: 'device_revoked' })])
    // The compliance archive's watch may read the organisation's policy once: no rejoin request.
    const rejoining = (paths: string[]): string[] => paths.filter((p) => p !== '/v1/policy')
    const during = rejoining(proxy.forwarded.slice(asked))
    // No retry loop: nothing more is asked after the refusal.
    await new Promise((r) => setTimeout(r, 500))
    expect(rejoining(proxy.forwarded.slice(asked))).toEqual(during)
    expect(during.length).toBeGreaterThan(0)
    expect(during.filter((p) => p.endsWith('/group-info')).length).toBeLessThanOrEqual(1)
    expect(proxy.forwarded.filter((p) => p.endsWith('/external-commits'))).toEqual([])
    expect(back.conversations().find((v) => v.id === conv)?.epoch).toBe(epoch)
    expect((await bob.whoCanRead(conv)).some((r) => r.devices.some((d) => d.deviceId === laptop.deviceId))).toBe(false)
  })
})

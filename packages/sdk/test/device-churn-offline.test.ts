// Ordinary device churn must not lose a conversation: while bob is offline, alice links a second
// device (it joins by a commit) and later revokes it (its removal is committed). When bob comes
// back the directory no longer has that device, yet the commit that added it was valid when it
// was made: bob judges its credentials against the directory at the checkpoint the commit names,
// and reads everything. A commit naming a checkpoint that is not part of the log bob sees is
// refused for good.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { toBase64Url } from '@candor/protocol'
import { KeyDirectory, MemoryDirectoryStorage, encodeHistoryProof, encodeLookupProof } from '@candor/transparency'
import { CandorClient, MemoryLocalStore, type ClientEvents } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  await env.close()
})

function errorsOf(c: CandorClient): Array<ClientEvents['error']> {
  const list: Array<ClientEvents['error']> = []
  c.on('error', (e) => list.push(e))
  return list
}

/** Reopens a device from its store, as after a restart or a reload, and connects it. */
async function reopen(store: MemoryLocalStore): Promise<{ client: CandorClient; errors: Array<ClientEvents['error']> }> {
  const client = (await CandorClient.open(options(env.server.url, store)))!
  env.clients.push(client)
  const errors = errorsOf(client)
  await client.connect()
  return { client, errors }
}

/**
 * The operator forks the directory after the history everyone has seen so far (same keys, same
 * entries, then an epoch of its own) and shows the fork to this client alone.
 */
async function showForkTo(client: CandorClient): Promise<void> {
  const honest = env.server.context.directory.directory
  const copy = new MemoryDirectoryStorage()
  const storage = env.server.context.store.directoryStorage()
  const entries = await storage.loadEntries()
  for (const epoch of await storage.loadEpochs()) copy.commitEpoch(epoch, entries.filter((e) => e.epoch === epoch.epoch))
  const fork = await KeyDirectory.open({ origin: honest.origin, signingKey: env.keys.directorySigningKey, vrfKey: env.keys.directoryVrfKey, storage: copy })
  fork.update(`filler-only-${client.userId}-sees`, new Uint8Array([1]))
  await fork.publishEpoch()
  client.api.directoryLookup = async (u) => ({ checkpoint: fork.checkpoint()!, proof: toBase64Url(encodeLookupProof((await fork.lookup(u))!)) })
  // The client asks for compact lookups (protocol.md §3): the fork answers those too, in JSON (a server's fallback).
  client.api.directoryLookupCompact = client.api.directoryLookup
  client.api.directoryHistory = async () => ({ checkpoint: fork.checkpoint()!, proof: toBase64Url(encodeHistoryProof((await fork.history(client.userId))!)) })
  client.api.directoryConsistency = async (from, to) => ({ proof: fork.consistencyProof(from, to).map(toBase64Url) })
  client.api.directoryInfo = async () => ({ ...(await env.server.context.directory.info()), checkpoint: fork.checkpoint()! })
}

describe('device churn while a contact is offline', () => {
  it('bob, back online, processes the commits that added and removed a since-revoked device and reads every message', async () => {
    const alice = await env.user('alice')
    const bobStore = new MemoryLocalStore()
    const bob = await env.user('bob', bobStore)
    const conv = await alice.directConversation('bob')
    const hello = nextMessage(bob, (m) => m.text === 'hello bob')
    await alice.send(conv, 'hello bob')
    await hello
    bob.close()

    // Alice links her laptop; approving it adds it to the conversation by a commit.
    const laptop = await CandorClient.enrol(options(env.server.url), 'alice', 'laptop')
    env.clients.push(laptop)
    const approved = laptop.waitForApproval()
    await alice.approve(laptop.deviceId)
    await approved
    await laptop.connect()
    await waitFor(() => laptop.conversations().some((c) => c.id === conv), 'the laptop to join the conversation')
    await alice.send(conv, 'one from the phone')
    await laptop.send(conv, 'one from the laptop')

    // Then revokes it: the directory drops it and a commit removes it.
    await alice.revoke(laptop.deviceId)
    expect((await alice.verifiedDevices('alice')).map((d) => d.deviceId)).toEqual([alice.deviceId])
    await alice.send(conv, 'after the laptop was revoked')

    // Bob comes back (a new client from the same store, as after a reload).
    const back = await reopen(bobStore)
    const bob2 = back.client
    await waitFor(async () => (await bob2.history(conv)).length >= 4 || back.errors.length > 0, 'bob to read everything', 60_000)
    expect(back.errors.map((e) => `${e.where}: ${String(e.error)}`)).toEqual([])
    expect((await bob2.history(conv)).map((m) => [m.from, m.text])).toEqual([
      ['alice', 'hello bob'],
      ['alice', 'one from the phone'],
      ['alice', 'one from the laptop'],
      ['alice', 'after the laptop was revoked'],
    ])
    expect(back.errors).toEqual([])
    expect(bob2.conversations().find((c) => c.id === conv)?.epoch).toBe(alice.conversations().find((c) => c.id === conv)?.epoch)
    const readers = await bob2.whoCanRead(conv)
    expect(readers.find((r) => r.userId === 'alice')?.devices.map((d) => d.deviceId)).toEqual([alice.deviceId])

    // And the conversation goes on both ways.
    const toAlice = nextMessage(alice, (m) => m.text === 'welcome back to me')
    await bob2.send(conv, 'welcome back to me')
    expect((await toAlice).from).toBe('bob')
    expect(back.errors).toEqual([])
  })

  const forged: [string, boolean, RegExp][] = [
    ['a fork of the log (the operator showed alice another history)', true, /is not part of the log this device sees .*: the log forked/],
    ['a size the log never reached', false, /is beyond the directory's log/],
  ]
  it.each(forged)('control: a commit naming %s is refused for good, and bob is told why', async (_what, honestGrows, why) => {
    const alice = await env.user('alice')
    const bobStore = new MemoryLocalStore()
    const bob = await env.user('bob', bobStore)
    await env.user('carol')
    const conv = await alice.createConversation(['bob', 'carol'])
    const hello = nextMessage(bob, (m) => m.text === 'hello all')
    await alice.send(conv, 'hello all')
    await hello
    bob.close()

    await showForkTo(alice)
    await alice.verifiedDevices('carol')
    // Meanwhile the honest log grows past the fork's size, with other contents (or stays behind it).
    if (honestGrows) await env.user('dave')

    // Alice removes carol: her commit names the forked checkpoint she verified.
    await alice.removeMembers(conv, ['carol'])
    await alice.send(conv, 'carol is gone')

    const back = await reopen(bobStore)
    await waitFor(() => back.errors.length > 0, 'bob to refuse the commit')
    const refusal = back.errors[0]!
    expect(refusal.error).toMatchObject({ code: 'directory_proof_invalid' })
    expect(String((refusal.error as Error).message)).toMatch(why)
    // The commit is not applied: bob stays in the epoch before it and cannot read what follows.
    await back.client.sync()
    expect((await back.client.history(conv)).map((m) => m.text)).toEqual(['hello all'])
    expect(back.client.conversations().find((c) => c.id === conv)?.epoch).toBeLessThan(alice.conversations().find((c) => c.id === conv)!.epoch)
  })

  it('a joiner judges the tree at the checkpoint its Welcome names, else as the directory is now: shown a fork by the adder, it still joins, and catches the split view', async () => {
    const alice = await env.user('alice')
    const bob = await env.user('bob')
    await env.user('erin')
    const conv = await alice.createConversation(['bob'])
    await waitFor(() => bob.conversations().some((c) => c.id === conv), 'bob to join')
    const bobErrors = errorsOf(bob)
    await showForkTo(alice)

    await alice.addMembers(conv, ['erin'])
    const erin = env.clients.find((c) => c.userId === 'erin')!
    const erinAlerts: unknown[] = []
    erin.on('alert', (a) => erinAlerts.push(a))
    const erinErrors = errorsOf(erin)
    await waitFor(() => erin.conversations().some((c) => c.id === conv), 'erin to join')
    const toErin = nextMessage(erin, (m) => m.text === 'welcome erin')
    await alice.send(conv, 'welcome erin')
    expect((await toErin).from).toBe('alice')
    await erin.splitViewChecks()
    expect(erinAlerts).toContainEqual(expect.objectContaining({ kind: 'split_view', log: 'directory', userId: 'alice' }))
    expect(erinErrors).toEqual([])
    // A member, unlike the joiner, holds the commit to the checkpoint it names.
    await waitFor(() => bobErrors.length > 0, 'bob to refuse the commit')
    expect(bobErrors[0]!.error).toMatchObject({ code: 'directory_proof_invalid' })
  })
})

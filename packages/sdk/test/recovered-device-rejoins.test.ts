// A device recovered with the recovery key continues the person's old conversations
// (docs/protocol.md §5.2, "A recovered device takes its old device's place"), through a real
// server: the old device is revoked, the new one lists the person's groups and joins each by an
// external commit that removes the revoked leaf; the others see "alice's new device joined; an
// old device was removed", and messages go both ways in the same conversations. And who cannot
// use it: a stranger, a replacement of someone else's leaf or of an active device of one's own, a
// revoked device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FolderBlobStore } from '@candor/store-sqlite'
import { fromBase64Url, newMessageId, toBase64Url } from '@candor/protocol'
import { PQ_SUITE, clientConfigWith, getSuites, joinByExternalCommit, joinReplacingLeaf, loadPublicGroup, newKeyPackage, treeLeaves } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, JOINED_ON_NEW_DEVICE_TEXT, MemoryLocalStore, type MessageRecord } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
let blobDir: string

beforeAll(async () => {
  blobDir = mkdtempSync(join(tmpdir(), 'candor-recovered-joins-'))
  env = await startDevEnv({ blobs: await FolderBlobStore.open(blobDir) })
})
afterAll(async () => {
  await env.close()
  rmSync(blobDir, { recursive: true, force: true })
})

const suites = getSuites(nodeCryptoProvider())
/** The suite the GroupInfo's group is in (SDK conversations are post-quantum, suite 83). */
const suiteOf = async (groupInfo: Uint8Array) => (await suites)[loadPublicGroup(groupInfo).groupContext.cipherSuite as typeof PQ_SUITE]
/** A hand-made client checks nobody's credentials (as a hostile one would not). */
const anyone = clientConfigWith({ validateCredential: async () => true })

/** The device's keys, read from its home as a hostile copy of its own client would. */
async function keysOf(home: MemoryLocalStore) {
  const id = JSON.parse((await home.get('identity'))!) as { userId: string; deviceId: string; publicKey: string; secretKey: string }
  return { userId: id.userId, deviceId: id.deviceId, publicKey: fromBase64Url(id.publicKey)!, secretKey: fromBase64Url(id.secretKey)! }
}

/** An external commit by the device with these keys that removes the leaf at `leafIndex`, whoever's it is. */
async function replacing(keys: Awaited<ReturnType<typeof keysOf>>, groupInfo: Uint8Array, leafIndex: number) {
  const leaf = treeLeaves(loadPublicGroup(groupInfo).tree).find((l) => l.leafIndex === leafIndex)!
  const config = {
    ...anyone,
    keyPackageEqualityConfig: { ...anyone.keyPackageEqualityConfig, compareKeyPackageToLeafNode: (_k: unknown, n: { signaturePublicKey: Uint8Array }) => Buffer.from(n.signaturePublicKey).equals(Buffer.from(leaf.signatureKey)) },
  }
  const j = await joinByExternalCommit(await suites, config, groupInfo, await newKeyPackage(await suiteOf(groupInfo), keys, false), { resync: true })
  return { messageId: newMessageId(), commit: toBase64Url(j.commit), groupInfo: toBase64Url(j.groupInfo) }
}

function swapLine(m: MessageRecord): boolean {
  return m.kind === 'members' && m.text === "alice's new device joined; an old device was removed"
}

describe('a recovered device continues the old conversations', () => {
  it('alice recovers on a new device; her old conversations with bob, and with bob and carol, go on both ways', async () => {
    const home = new MemoryLocalStore()
    const alice = await env.user('alice', home)
    const bob = await env.user('bob')
    const carol = await env.user('carol')
    const direct = await alice.directConversation('bob')
    const gotDirect = nextMessage(bob, (m) => m.text === 'before the flood')
    await alice.send(direct, 'before the flood')
    await gotDirect
    const trio = await alice.createConversation(['bob', 'carol'])
    const gotTrio = nextMessage(carol, (m) => m.text === 'the three of us')
    await alice.send(trio, 'the three of us')
    await gotTrio
    const { secret } = await alice.setUpRecovery()
    await alice.backUpHistory()
    alice.close()

    const bobSaw = nextMessage(bob, (m) => swapLine(m) && m.conversation === direct)
    const carolSaw = nextMessage(carol, (m) => swapLine(m) && m.conversation === trio)
    const fresh = new MemoryLocalStore()
    const { client: phone, revoked, joined } = await CandorClient.recover(options(env.server.url, fresh), 'alice', secret, 'new phone', { revokeOthers: true })
    env.clients.push(phone)
    expect(revoked).toEqual([alice.deviceId])
    expect(joined.failed).toEqual([])
    expect(joined.joined.sort()).toEqual([direct, trio].sort())
    // The others take the commit and say what happened; the old device's leaf is gone.
    expect(await bobSaw).toMatchObject({ from: 'alice', device: { user: 'alice', added: [phone.deviceId], removed: [alice.deviceId] } })
    await carolSaw
    // Both groups are post-quantum (suite 83): the new device joined each in its own suite.
    for (const c of [direct, trio]) expect(phone.encryptionOf(c)).toMatchObject({ suiteId: 83, postQuantum: true })
    for (const c of [direct, trio]) {
      const members = bob.conversations().find((x) => x.id === c)!
      expect(members.members.sort()).toEqual(c === direct ? ['alice', 'bob'] : ['alice', 'bob', 'carol'])
    }

    await phone.connect()
    // 1:1, both ways, in the same conversation, after the backed-up history.
    const hello = nextMessage(bob, (m) => m.text === 'it is me, new phone')
    await phone.send(direct, 'it is me, new phone')
    expect(await hello).toMatchObject({ conversation: direct, from: 'alice', fromDevice: phone.deviceId })
    const reply = nextMessage(phone, (m) => m.text === 'welcome back')
    await bob.send(direct, 'welcome back')
    expect(await reply).toMatchObject({ conversation: direct, from: 'bob' })
    const history = await phone.history(direct)
    expect(history.map((m) => [m.text, m.transferred ?? false])).toEqual([
      ['before the flood', true],
      [JOINED_ON_NEW_DEVICE_TEXT, false],
      ['it is me, new phone', false],
      ['welcome back', false],
    ])

    // The group of three, both ways.
    const toBob = nextMessage(bob, (m) => m.text === 'hello both')
    const toCarol = nextMessage(carol, (m) => m.text === 'hello both')
    await phone.send(trio, 'hello both')
    expect(await toBob).toMatchObject({ conversation: trio, fromDevice: phone.deviceId })
    expect(await toCarol).toMatchObject({ conversation: trio, fromDevice: phone.deviceId })
    const fromCarol = nextMessage(phone, (m) => m.text === 'good to see you')
    await carol.send(trio, 'good to see you')
    expect(await fromCarol).toMatchObject({ conversation: trio, from: 'carol' })
    expect((await phone.history(trio))[0]).toMatchObject({ text: 'the three of us', transferred: true })
  })
})

describe('who cannot take a device’s place', () => {
  it("a stranger, a replacement of someone else's leaf or of an active device of one's own, and a revoked device are refused; nothing changes", async () => {
    const oldHome = new MemoryLocalStore()
    const dana = await env.user('dana', oldHome)
    const erin = await env.user('erin')
    const malloryHome = new MemoryLocalStore()
    const mallory = await env.user('mallory', malloryHome)
    const conv = await dana.directConversation('erin')
    const got = nextMessage(erin, (m) => m.text === 'hi erin')
    await dana.send(conv, 'hi erin')
    await got
    const { secret } = await dana.setUpRecovery()
    await dana.backUpHistory()

    // Recovered while the old device is still active: the new device does not push it out.
    const newHome = new MemoryLocalStore()
    const { client: phone, joined } = await CandorClient.recover(options(env.server.url, newHome), 'dana', secret, 'phone', { revokeOthers: false })
    env.clients.push(phone)
    expect(joined).toMatchObject({ joined: [], failed: [{ conversation: conv, code: 'not_member' }] })
    const epoch = () => erin.conversations().find((c) => c.id === conv)!.epoch
    const before = epoch()
    const info = fromBase64Url((await phone.api.groupInfo(conv)).groupInfo)!
    const leafOf = (deviceId: string) => treeLeaves(loadPublicGroup(info).tree).find((l) => l.deviceId === deviceId)!.leafIndex
    const phoneKeys = await keysOf(newHome)

    // Taking the place of dana's old device while it is active: refused.
    await expect(phone.api.externalCommit(conv, await replacing(phoneKeys, info, leafOf(dana.deviceId)))).rejects.toMatchObject({ code: 'forbidden' })
    // Taking erin's place: refused (the validator allows only the joiner's own user's leaves).
    await expect(phone.api.externalCommit(conv, await replacing(phoneKeys, info, leafOf(erin.deviceId)))).rejects.toMatchObject({ code: 'invalid_mls_message' })
    // A stranger: no group info, and no commit taking dana's (or anyone's) place.
    await expect(mallory.api.groupInfo(conv)).rejects.toMatchObject({ code: 'not_member' })
    await expect(mallory.api.externalCommit(conv, await replacing(await keysOf(malloryHome), info, leafOf(dana.deviceId)))).rejects.toMatchObject({ code: 'not_member' })
    // Its own helper refuses someone else's leaf before anything is sent.
    expect(loadPublicGroup(info).groupContext.cipherSuite).toBe(PQ_SUITE)
    const kp = await newKeyPackage(await suiteOf(info), phoneKeys, false)
    await expect(joinReplacingLeaf(await suites, anyone, info, kp, leafOf(erin.deviceId))).rejects.toThrow(/its own user only/)
    expect(epoch()).toBe(before)

    // Once the old device is revoked it can do nothing; the new one takes its place.
    await phone.revoke(dana.deviceId)
    await expect(dana.api.groupInfo(conv)).rejects.toMatchObject({ code: 'device_revoked' })
    await expect(dana.api.externalCommit(conv, await replacing(await keysOf(oldHome), info, leafOf(dana.deviceId)))).rejects.toMatchObject({ code: 'device_revoked' })
    expect(epoch()).toBe(before)
    expect(await phone.rejoinConversations()).toMatchObject({ joined: [conv], failed: [] })
    await waitFor(() => epoch() === before + 1, 'erin to take the new device’s commit')
    expect(erin.conversations().find((c) => c.id === conv)!.members.sort()).toEqual(['dana', 'erin'])
  })
})

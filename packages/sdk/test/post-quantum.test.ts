// Post-quantum by default (docs/protocol.md §5.0), through a real server with real clients: a new
// conversation is made in the X-Wing suite and its commits pass the server's validator; a
// conversation in suite 1 (with a device that has no post-quantum key packages, as an older
// client's) keeps working, and members added to it join in suite 1.
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLASSIC_SUITE, PQ_SUITE, SUITES, loadPublicGroup } from '@candor/crypto'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'
import { startOperatorProxy } from './operator-proxy.ts'
import { CandorClient } from '../src/index.ts'

async function serverSuite(env: DevEnv, groupId: string): Promise<string> {
  const gi = await env.store.groupInfo(groupId as never)
  return loadPublicGroup(gi!).groupContext.cipherSuite
}

async function exchange(from: CandorClient, to: CandorClient, conversation: string, text: string): Promise<void> {
  const got = nextMessage(to, (m) => m.text === text)
  await from.send(conversation, text)
  expect((await got).from).toBe(from.userId)
}

describe('post-quantum by default', () => {
  let env: DevEnv
  beforeAll(async () => {
    env = await startDevEnv()
  })
  afterAll(async () => {
    await env.close()
  })

  it('a new conversation uses the X-Wing suite end to end; the server validated its commits; both sides read', async () => {
    const [ana, ben, cy] = await Promise.all(['ana', 'ben', 'cy'].map((u) => env.user(u)))
    // Every device published packages of both suites.
    for (const c of [ana, ben, cy]) {
      expect(await env.store.countKeyPackages(c!.deviceId as never, 83)).toMatchObject({ lastResort: true })
      expect(await env.store.countKeyPackages(c!.deviceId as never, 1)).toMatchObject({ lastResort: true })
    }
    const conv = await ana!.createConversation(['ben'])
    await waitFor(() => ben!.conversations().some((v) => v.id === conv), 'ben to join')
    expect(ana!.encryptionOf(conv)).toMatchObject({ suite: PQ_SUITE, suiteId: 83, postQuantum: true })
    expect(ben!.encryptionOf(conv)).toMatchObject({ suite: PQ_SUITE, postQuantum: true })
    expect(ana!.encryptionOf(conv).label).toMatch(/post-quantum.*provisional/)
    await exchange(ana!, ben!, conv, 'hello over X-Wing')
    await exchange(ben!, ana!, conv, 'and back')

    // Adding cy: a PQ package is claimed and the server validates the PQ commit.
    await ana!.addMembers(conv, ['cy'])
    await waitFor(() => cy!.conversations().some((v) => v.id === conv), 'cy to join')
    expect(cy!.encryptionOf(conv).suite).toBe(PQ_SUITE)
    // A new conversation's id is its first group's id.
    expect(await serverSuite(env, conv)).toBe(PQ_SUITE)
    await exchange(cy!, ben!, conv, 'cy reads and writes')
    // An update commit (path through X-Wing keys), accepted by the server.
    await ben!.removeMembers(conv, ['cy'])
    await waitFor(() => cy!.conversations().find((v) => v.id === conv)?.status === 'removed', 'cy removed')
    await exchange(ana!, ben!, conv, 'after the removal')
  })

  it('a conversation in suite 1 keeps working; people added to it join in suite 1; the next new one is post-quantum', async () => {
    // eli talks to the server through a forwarding proxy, to see when the top-up it runs after
    // connecting has read every suite's count (its stock is full: it uploads nothing more).
    // Deleting before that, the top-up would put the post-quantum packages back.
    const proxy = await startOperatorProxy(env.server.url, () => undefined)
    const eliUser = async () => {
      const c = await CandorClient.register(options(proxy.url), 'eli', 'eli-device')
      env.clients.push(c)
      await c.connect()
      return c
    }
    const [dee, eli, fay] = await Promise.all([env.user('dee'), eliUser(), env.user('fay')])
    const counted = () => proxy.forwarded.filter((p) => p === '/v1/key-packages/count').length
    await waitFor(() => counted() >= SUITES.length, 'eli’s top-up after connecting to read every suite’s count')
    // eli's device has no post-quantum packages on the server, as an older client's.
    const db = new Database(join(env.dataDir, 'candor.db'))
    try {
      db.prepare('DELETE FROM key_packages WHERE device_id = ? AND suite = 83').run(eli!.deviceId)
    } finally {
      db.close()
    }
    expect(await env.store.countKeyPackages(eli!.deviceId as never, 83)).toEqual({ oneTime: 0, lastResort: false })

    const old = await dee!.createConversation(['eli'])
    await waitFor(() => eli!.conversations().some((v) => v.id === old), 'eli to join')
    expect(dee!.encryptionOf(old)).toMatchObject({ suite: CLASSIC_SUITE, suiteId: 1, postQuantum: false })
    expect(eli!.encryptionOf(old).suite).toBe(CLASSIC_SUITE)
    expect(await serverSuite(env, old)).toBe(CLASSIC_SUITE)
    await exchange(dee!, eli!, old, 'classic hello')
    await exchange(eli!, dee!, old, 'classic reply')

    // fay (both suites) is added to the suite-1 conversation with a suite-1 package.
    await dee!.addMembers(old, ['fay'])
    await waitFor(() => fay!.conversations().some((v) => v.id === old), 'fay to join')
    expect(fay!.encryptionOf(old).suite).toBe(CLASSIC_SUITE)
    await exchange(fay!, eli!, old, 'fay in the classic conversation')

    // dee and fay both have PQ packages: their own new conversation is post-quantum.
    const fresh = await dee!.createConversation(['fay'])
    await waitFor(() => fay!.conversations().some((v) => v.id === fresh), 'fay to join the new one')
    expect(fay!.encryptionOf(fresh).suite).toBe(PQ_SUITE)
    await exchange(fay!, dee!, fresh, 'post-quantum now')
    // The old one still works after.
    await exchange(dee!, fay!, old, 'still classic')
    eli!.close()
    await proxy.close()
  })
})

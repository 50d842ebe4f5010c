// The poisoned queue: a registered user "adds" someone else's device to a group of their own
// with ids that look like ids but are not the canonical encoding of 16 bytes. If such a row
// reached the victim's queue, the server could not put it into a deliver frame, and every
// connection of the victim's device would fail on it: the victim would receive nothing, from
// anyone, for good. The attacker speaks raw HTTP (with real MLS where the server checks it); the
// victim and a friend are real clients. Commits no longer declare whom they add: the server
// reads it from the validated commit (docs/protocol.md §5.1), so those fields are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authStatement, fromBase64Url, newGroupId, newMessageId, registrationStatement, toBase64Url, type GroupId } from '@candor/protocol'
import { clientConfigWith, generateDeviceKey, getSuite, groupInfoForExternalJoin, newKeyPackage, signDetached, startGroup } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Another spelling of the same 16 bytes: flips one of the 4 unused bits of the last character. */
function nonCanonical(id: string): string {
  const spelt = id.slice(0, -1) + B64URL[B64URL.indexOf(id.at(-1)!) ^ 1]!
  expect(fromBase64Url(spelt)).toBeNull()
  expect(Buffer.from(spelt, 'base64url')).toEqual(Buffer.from(id, 'base64url'))
  return spelt
}

async function http(base: string, method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (token) headers.authorization = `Bearer ${token}`
  const res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
  return { status: res.status, json: (await res.json()) as { error?: { code: string; message: string } } & Record<string, unknown> }
}

/** A registered user acting with raw HTTP requests. */
async function attacker(base: string, userId: string): Promise<{ token: string; userId: string; deviceId: string; publicKey: Uint8Array; secretKey: Uint8Array }> {
  const k = generateDeviceKey()
  const pk = toBase64Url(k.publicKey)
  const sig = toBase64Url(signDetached(k.secretKey, registrationStatement(userId, pk)))
  const reg = await http(base, 'POST', '/v1/register', { userId, publicKey: pk, deviceName: 'attacker', signature: sig })
  const deviceId = reg.json.deviceId as string
  const { challenge } = (await http(base, 'POST', '/v1/auth/challenge', { deviceId })).json as { challenge: string }
  const s = await http(base, 'POST', '/v1/auth/session', { deviceId, challenge, signature: toBase64Url(signDetached(k.secretKey, authStatement(deviceId, challenge))) })
  return { token: s.json.token as string, userId, deviceId, publicKey: k.publicKey, secretKey: k.secretKey }
}

/** A real new group's GroupInfo (base64url) with the attacker's device as its only member. */
async function newGroupInfo(who: Awaited<ReturnType<typeof attacker>>, groupId: string): Promise<string> {
  const suite = await getSuite(nodeCryptoProvider())
  const id = fromBase64Url(groupId) ?? new Uint8Array(Buffer.from(groupId, 'base64url'))
  const state = await startGroup(suite, clientConfigWith({ validateCredential: async () => true }), id, await newKeyPackage(suite, who, false))
  return toBase64Url(await groupInfoForExternalJoin(suite, state))
}

/** An MLS PublicMessage commit header over nothing: refused by the server in any case. */
function fakeCommit(group: GroupId, epoch: number): string {
  const id = fromBase64Url(group)!
  const b = new Uint8Array(4 + 1 + id.length + 8 + 1 + 16)
  b.set([0, 1, 0, 1, id.length], 0)
  b.set(id, 5)
  new DataView(b.buffer).setBigUint64(5 + id.length, BigInt(epoch))
  b[5 + id.length + 8] = 3
  return toBase64Url(b)
}
const fakeWelcome = toBase64Url(new Uint8Array([0, 1, 0, 3, 7, 7, 7, 7]))

describe('a poisoned queue', () => {
  let env: DevEnv
  let victim: CandorClient
  let victimStore: MemoryLocalStore
  let bob: CandorClient
  let conversation: string
  let mallory: Awaited<ReturnType<typeof attacker>>
  let group: GroupId
  let sent = 0

  beforeAll(async () => {
    env = await startDevEnv()
    victimStore = new MemoryLocalStore()
    victim = await env.user('victim', victimStore)
    bob = await env.user('bob')
    conversation = await bob.directConversation('victim')
    await waitFor(() => victim.conversations().some((c) => c.id === conversation), 'the victim to join')
    mallory = await attacker(env.server.url, 'mallory')
    group = newGroupId()
    expect((await http(env.server.url, 'POST', '/v1/groups', { groupId: group, groupInfo: await newGroupInfo(mallory, group) }, mallory.token)).status).toBe(201)
  })
  afterAll(async () => {
    await env.close()
  })

  /** Takes the victim offline, lets the attack run, then checks a message from bob still gets through. */
  async function victimStillReceives(attack: () => Promise<{ status: number; json: { error?: { code: string; message: string } } }>) {
    victim.close()
    const r = await attack()
    const text = `from bob, after attack ${++sent}`
    await bob.send(conversation, text)

    // The victim comes back: everything queued for its device is pushed on connect.
    victim = (await CandorClient.open(options(env.server.url, victimStore)))!
    env.clients.push(victim)
    const got = nextMessage(victim, (m) => m.text === text, 60_000)
    void victim.connect().catch(() => undefined)
    expect((await got).from).toBe('bob')
    await waitFor(async () => (await env.server.context.store.pendingCount(victim.deviceId)) === 0, 'the victim to acknowledge everything')
    return r
  }

  it('a commit adding the victim’s device under a non-canonical message id is refused and changes nothing', async () => {
    const r = await victimStillReceives(() =>
      http(
        env.server.url,
        'POST',
        `/v1/groups/${group}/commits`,
        { messageId: nonCanonical(newMessageId()), commit: fakeCommit(group, 0), groupInfo: fakeWelcome, welcome: fakeWelcome },
        mallory.token,
      ),
    )
    expect(r.status).toBe(400)
    expect(r.json.error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/^messageId: /) })
    expect((await env.server.context.store.getGroup(group))?.epoch).toBe(0)
  })

  it('the same with the group id in the URL', async () => {
    const r = await victimStillReceives(() =>
      http(
        env.server.url,
        'POST',
        `/v1/groups/${nonCanonical(group)}/commits`,
        { messageId: newMessageId(), commit: fakeCommit(group, 0), groupInfo: fakeWelcome, welcome: fakeWelcome },
        mallory.token,
      ),
    )
    expect(r.json.error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/^groupId: /) })
    expect((await env.server.context.store.getGroup(group))?.epoch).toBe(0)
  })

  it('the same with a group created under a non-canonical id', async () => {
    const spelt = nonCanonical(newGroupId())
    const r = await victimStillReceives(async () => {
      const created = await http(env.server.url, 'POST', '/v1/groups', { groupId: spelt, groupInfo: await newGroupInfo(mallory, spelt) }, mallory.token)
      expect(created.json.error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/^groupId: /) })
      return http(
        env.server.url,
        'POST',
        `/v1/groups/${spelt}/commits`,
        { messageId: newMessageId(), commit: fakeCommit(group, 0), groupInfo: fakeWelcome, welcome: fakeWelcome },
        mallory.token,
      )
    })
    expect(r.json.error?.code).toBe('bad_request')
    expect(await env.server.context.store.getGroup(spelt as GroupId)).toBeNull()
  })

  it('a commit declaring whom it adds or removes is refused: those lists are gone, the roster follows the validated tree', async () => {
    for (const field of ['added', 'removed'] as const) {
      const r = await victimStillReceives(() =>
        http(
          env.server.url,
          'POST',
          `/v1/groups/${group}/commits`,
          { messageId: newMessageId(), commit: fakeCommit(group, 0), groupInfo: fakeWelcome, welcome: fakeWelcome, [field]: [nonCanonical(victim.deviceId)] },
          mallory.token,
        ),
      )
      expect(r.json.error).toMatchObject({ code: 'bad_request' })
      expect((await env.server.context.store.getGroup(group))?.epoch).toBe(0)
    }
  })

  it('a junk commit with a valid header, adding nobody the server can see, is refused and changes nothing', async () => {
    const r = await victimStillReceives(() =>
      http(env.server.url, 'POST', `/v1/groups/${group}/commits`, { messageId: newMessageId(), commit: fakeCommit(group, 0), groupInfo: fakeWelcome, welcome: fakeWelcome }, mallory.token),
    )
    expect(r.json.error).toMatchObject({ code: 'invalid_mls_message' })
    expect((await env.server.context.store.getGroup(group))?.epoch).toBe(0)
  })
})

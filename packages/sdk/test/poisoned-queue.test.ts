// The poisoned queue: a registered user "adds" someone else's device to a group of their own
// with ids that look like ids but are not the canonical encoding of 16 bytes. If such a row
// reached the victim's queue, the server could not put it into a deliver frame, and every
// connection of the victim's device would fail on it: the victim would receive nothing, from
// anyone, for good. The attacker speaks raw HTTP; the victim and a friend are real clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authStatement, fromBase64Url, newGroupId, newMessageId, registrationStatement, toBase64Url, type GroupId } from '@candor/protocol'
import { generateDeviceKey, signDetached } from '@candor/crypto'
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
async function attacker(base: string, userId: string): Promise<{ token: string }> {
  const k = generateDeviceKey()
  const pk = toBase64Url(k.publicKey)
  const sig = toBase64Url(signDetached(k.secretKey, registrationStatement(userId, pk)))
  const reg = await http(base, 'POST', '/v1/register', { userId, publicKey: pk, deviceName: 'attacker', signature: sig })
  const deviceId = reg.json.deviceId as string
  const { challenge } = (await http(base, 'POST', '/v1/auth/challenge', { deviceId })).json as { challenge: string }
  const s = await http(base, 'POST', '/v1/auth/session', { deviceId, challenge, signature: toBase64Url(signDetached(k.secretKey, authStatement(deviceId, challenge))) })
  return { token: s.json.token as string }
}

/** Just enough of an MLS PrivateMessage commit for the delivery service's header check. */
function fakeCommit(group: GroupId, epoch: number): string {
  const id = fromBase64Url(group)!
  const b = new Uint8Array(4 + 1 + id.length + 8 + 1 + 16)
  b.set([0, 1, 0, 2, id.length], 0)
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
  let mallory: { token: string }
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
    expect((await http(env.server.url, 'POST', '/v1/groups', { groupId: group }, mallory.token)).status).toBe(201)
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
    const got = nextMessage(victim, (m) => m.text === text, 8_000)
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
        { messageId: nonCanonical(newMessageId()), epoch: 0, commit: fakeCommit(group, 0), welcome: fakeWelcome, added: [victim.deviceId], removed: [] },
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
        { messageId: newMessageId(), epoch: 0, commit: fakeCommit(group, 0), welcome: fakeWelcome, added: [victim.deviceId], removed: [] },
        mallory.token,
      ),
    )
    expect(r.json.error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/^groupId: /) })
    expect((await env.server.context.store.getGroup(group))?.epoch).toBe(0)
  })

  it('the same with a group created under a non-canonical id', async () => {
    const spelt = nonCanonical(newGroupId())
    const r = await victimStillReceives(async () => {
      const created = await http(env.server.url, 'POST', '/v1/groups', { groupId: spelt }, mallory.token)
      expect(created.json.error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/^groupId: /) })
      return http(
        env.server.url,
        'POST',
        `/v1/groups/${spelt}/commits`,
        { messageId: newMessageId(), epoch: 0, commit: fakeCommit(group, 0), welcome: fakeWelcome, added: [victim.deviceId], removed: [] },
        mallory.token,
      )
    })
    expect(r.json.error?.code).toBe('bad_request')
    expect(await env.server.context.store.getGroup(spelt as GroupId)).toBeNull()
  })

  it('the same with the victim’s device id spelt otherwise in added or removed', async () => {
    for (const field of ['added', 'removed'] as const) {
      const r = await victimStillReceives(() =>
        http(
          env.server.url,
          'POST',
          `/v1/groups/${group}/commits`,
          {
            messageId: newMessageId(),
            epoch: 0,
            commit: fakeCommit(group, 0),
            welcome: fakeWelcome,
            added: field === 'added' ? [nonCanonical(victim.deviceId)] : [],
            removed: field === 'removed' ? [nonCanonical(victim.deviceId)] : [],
          },
          mallory.token,
        ),
      )
      expect(r.json.error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(new RegExp(`^${field}\\.0: `)) })
      expect((await env.server.context.store.getGroup(group))?.epoch).toBe(0)
    }
  })
})

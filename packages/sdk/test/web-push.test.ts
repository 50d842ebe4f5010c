// Web Push wake-ups (docs/protocol.md, "Web Push"), through a real server and real clients: a
// local HTTP receiver stands in for the push service. What reaches it must decrypt with the
// subscription's keys (RFC 8291, aes128gcm), carry a VAPID signature by the server's published
// key (RFC 8292), and hold nothing but a wake-up: no text, no sender, no conversation.
import { createECDH, createPublicKey, randomBytes, verify } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { decrypt } from 'http_ece'
import { toBase64Url } from '@candor/protocol'
import { webPushVapidKeys } from '@candor/server'
import type { CandorClient } from '../src/index.ts'
import { nextMessage, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

interface Received {
  path: string
  headers: IncomingHttpHeaders
  body: Buffer
}

let env: DevEnv
let receiver: Server
let receiverUrl: string
const received: Received[] = []

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (p: Buffer) => parts.push(p))
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(parts) })
      res.writeHead(req.url?.startsWith('/gone/') ? 410 : 201).end()
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  const a = receiver.address()
  receiverUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`
  env = await startDevEnv({ publicUrl: 'https://candor.example', webPush: { allowHttpEndpoints: true, graceMs: 300, minIntervalMs: 60_000 } })
})
afterEach(() => {
  received.length = 0
})
afterAll(async () => {
  for (const c of env.clients) c.close()
  await env.close()
  await new Promise((r) => receiver.close(r))
})

/** A browser's side of a subscription: its P-256 key pair and auth secret. */
function browserKeys(path: string) {
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  const auth = toBase64Url(randomBytes(16))
  return { ecdh, auth, json: { endpoint: `${receiverUrl}${path}`, expirationTime: null, keys: { p256dh: toBase64Url(ecdh.getPublicKey()), auth } } }
}

async function chatting(a: string, b: string): Promise<{ alice: CandorClient; bob: CandorClient; conversation: string }> {
  const alice = await env.user(a)
  const bob = await env.user(b)
  const conversation = await alice.directConversation(b)
  const first = nextMessage(bob, (m) => m.text === 'hello')
  await alice.send(conversation, 'hello')
  await first
  return { alice, bob, conversation }
}

/** Verifies an ES256 VAPID JWT (RFC 8292) against the key it names; returns its claims and key. */
function vapid(headers: IncomingHttpHeaders): { claims: { aud: string; sub: string; exp: number }; key: string } {
  const m = /^vapid t=([^,]+),\s*k=(.+)$/.exec(String(headers.authorization))
  if (!m) throw new Error(`no VAPID authorization: ${headers.authorization}`)
  const [h, p, s] = m[1]!.split('.')
  const raw = Buffer.from(m[2]!, 'base64url')
  const jwk = { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33, 65).toString('base64url') }
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, Buffer.from(s!, 'base64url'))
  expect(ok, 'VAPID signature').toBe(true)
  return { claims: JSON.parse(Buffer.from(p!, 'base64url').toString()) as { aud: string; sub: string; exp: number }, key: m[2]! }
}

describe('Web Push wake-ups', () => {
  it('wakes an offline device with a push that decrypts to a bare wake-up: no content, no sender', async () => {
    const { alice, bob, conversation } = await chatting('push-alice', 'push-bob')
    const keys = browserKeys('/sub/bob')
    await bob.setPushSubscription(keys.json)
    const serverKey = await bob.pushServerKey()
    bob.close()

    const secret = 'the canary 7f3a91 is in the attic'
    await alice.send(conversation, secret)
    await alice.send(conversation, 'and a second one')
    await alice.send(conversation, 'and a third')
    await waitFor(() => received.length > 0, 'a push at the receiver')
    // Bounded: one wake-up for the burst, not one per message.
    await new Promise((r) => setTimeout(r, 800))
    expect(received).toHaveLength(1)
    const push = received[0]!
    expect(push.path).toBe('/sub/bob')
    expect(push.headers['content-encoding']).toBe('aes128gcm')
    expect(Number(push.headers.ttl)).toBeGreaterThan(0)

    const { claims, key } = vapid(push.headers)
    expect(key).toBe(serverKey)
    expect(claims.aud).toBe(receiverUrl)
    expect(claims.sub).toBe('https://candor.example')

    // The ciphertext is not the plaintext, and the subscription's keys open it.
    expect(push.body.includes(Buffer.from('wake'))).toBe(false)
    const plain = decrypt(push.body, { version: 'aes128gcm', privateKey: keys.ecdh, authSecret: keys.auth }).toString('utf8')
    expect(JSON.parse(plain)).toEqual({ v: 1, t: 'wake' })
    for (const leak of [secret, 'canary', 'push-alice', alice.deviceId, conversation, 'push-bob', bob.deviceId]) expect(plain).not.toContain(leak)
    // Someone else's keys do not open it.
    const other = browserKeys('/x')
    expect(() => decrypt(push.body, { version: 'aes128gcm', privateKey: other.ecdh, authSecret: other.auth })).toThrow()

    // The VAPID private key comes from the key file: the database files hold no trace of it.
    const secret32 = Buffer.from(webPushVapidKeys(env.keys).privateKey, 'base64url')
    for (const f of readdirSync(env.dataDir).filter((n) => n.startsWith('candor.db'))) {
      const bytes = readFileSync(join(env.dataDir, f))
      expect(bytes.includes(secret32), f).toBe(false)
      expect(bytes.includes(Buffer.from(webPushVapidKeys(env.keys).privateKey)), f).toBe(false)
    }
  })

  it('sends nothing to a device that is online, or that deleted its subscription', async () => {
    const { alice, bob, conversation } = await chatting('push-carol', 'push-dave')
    await bob.setPushSubscription(browserKeys('/sub/dave').json)
    const got = nextMessage(bob, (m) => m.text === 'while you are here')
    await alice.send(conversation, 'while you are here')
    await got
    await new Promise((r) => setTimeout(r, 800))
    expect(received).toEqual([])

    await bob.deletePushSubscription()
    bob.close()
    await alice.send(conversation, 'while you are away')
    await new Promise((r) => setTimeout(r, 800))
    expect(received).toEqual([])
  })

  it('forgets a subscription the push service says is gone (410)', async () => {
    const { alice, bob, conversation } = await chatting('push-erin', 'push-frank')
    await bob.setPushSubscription(browserKeys('/gone/frank').json)
    bob.close()
    await alice.send(conversation, 'anyone?')
    await waitFor(() => received.length > 0, 'a push at the receiver')
    await waitFor(async () => (await env.server.context.store.pushSubscriptions().get(bob.deviceId)) === null, 'the subscription deleted')
  })
})

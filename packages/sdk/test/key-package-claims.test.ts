// Claims of another person's key packages are bounded (docs/protocol.md §4.5). Before, any user
// could claim in a loop and take every one-time package a person had. Now one claimer gets 10 an
// hour per person and is then refused with the time to wait; many claimers together get at most
// 20 one-time packages of a person an hour and then only the last-resort package, which is
// never consumed — so an honest contact can still add the person to a conversation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import { LIMITS, authStatement, registrationStatement, toBase64Url, type DeviceId } from '@candor/protocol'
import { nextMessage, startDevEnv, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeAll(async () => {
  env = await startDevEnv({ httpRatePerSecond: 10_000 })
})
afterAll(async () => {
  await env.close()
})

async function call(method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  const res = await fetch(env.server.url + path, { method, headers, body: JSON.stringify(body ?? {}) })
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as Record<string, any> }
}

/** A user registered by hand (no SDK: nothing stops it claiming in a loop); returns its token. */
async function rawUser(userId: string): Promise<string> {
  const k = generateDeviceKey()
  const publicKey = toBase64Url(k.publicKey)
  const reg = await call('POST', '/v1/register', { userId, publicKey, deviceName: 'raw', signature: toBase64Url(signDetached(k.secretKey, registrationStatement(userId, publicKey))) })
  const deviceId = reg.json.deviceId as DeviceId
  const { challenge } = (await call('POST', '/v1/auth/challenge', { deviceId })).json
  const s = await call('POST', '/v1/auth/session', { deviceId, challenge, signature: toBase64Url(signDetached(k.secretKey, authStatement(deviceId, challenge))) })
  return s.json.token as string
}

const claim = (target: string, token?: string) => call('POST', `/v1/users/${target}/key-packages/claim`, {}, token)

describe('key-package claims', () => {
  it('a user claiming in a loop cannot drain another; many together get only the last-resort package; an honest contact still adds the person', async () => {
    const bob = await env.user('bob')
    const stock = () => env.server.context.store.countKeyPackages(bob.deviceId as DeviceId)
    const start = (await stock()).oneTime
    expect(start).toBe(30)

    expect((await claim('bob')).json.error?.code).toBe('unauthenticated')

    const mallory = await rawUser('mallory')
    const got: boolean[] = []
    for (let i = 0; i < LIMITS.keyPackageClaimsPerPair; i++) {
      const r = await claim('bob', mallory)
      expect(r.status).toBe(200)
      got.push(r.json.keyPackages[0].lastResort as boolean)
    }
    expect(got.every((lastResort) => !lastResort)).toBe(true)
    // The eleventh and later: refused with the time to wait, and nothing handed out.
    for (let i = 0; i < 5; i++) {
      const r = await claim('bob', mallory)
      expect(r.status).toBe(429)
      expect(r.json.error.code).toBe('rate_limited')
      const wait = r.json.error.details.retryAfterMs as number
      expect(wait).toBeGreaterThan(0)
      expect(wait).toBeLessThanOrEqual(LIMITS.keyPackageClaimWindowMs / LIMITS.keyPackageClaimsPerPair)
      expect(Number(r.retryAfter)).toBe(Math.ceil(wait / 1000))
    }
    expect((await stock()).oneTime).toBe(start - LIMITS.keyPackageClaimsPerPair)

    // Accomplices: together they reach the per-person cap, then get the last-resort package only.
    const kinds: boolean[] = []
    for (const name of ['sybil1', 'sybil2']) {
      const token = await rawUser(name)
      for (let i = 0; i < LIMITS.keyPackageClaimsPerPair; i++) kinds.push((await claim('bob', token)).json.keyPackages[0].lastResort as boolean)
    }
    const oneTimeHanded = LIMITS.keyPackageClaimsPerPair + kinds.filter((lastResort) => !lastResort).length
    expect(oneTimeHanded).toBe(LIMITS.keyPackageOneTimePerTarget)
    expect(kinds.filter((lastResort) => lastResort)).toHaveLength(2 * LIMITS.keyPackageClaimsPerPair - (LIMITS.keyPackageOneTimePerTarget - LIMITS.keyPackageClaimsPerPair))
    expect(await stock()).toEqual({ oneTime: start - LIMITS.keyPackageOneTimePerTarget, lastResort: true })

    // An honest contact adds bob (with his last-resort package) and they talk.
    const alice = await env.user('alice')
    const conv = await alice.createConversation(['bob'])
    const heard = nextMessage(bob, (m) => m.conversation === conv)
    await alice.send(conv, 'still reachable')
    expect((await heard).text).toBe('still reachable')
    expect((await stock()).lastResort).toBe(true)
  })

  it("a user's claims of their own packages (adding their own new device) are not limited; other pairs are apart", async () => {
    const dan = await rawUser('dan')
    for (let i = 0; i < 2 * LIMITS.keyPackageClaimsPerPair; i++) expect((await claim('dan', dan)).status).toBe(200)
    // Another claimer's exhaustion does not touch a third user's allowance for the same person.
    const cat = await env.user('cat')
    const eve = await rawUser('eve')
    for (let i = 0; i < LIMITS.keyPackageClaimsPerPair; i++) await claim('cat', eve)
    expect((await claim('cat', eve)).status).toBe(429)
    expect((await claim('cat', dan)).status).toBe(200)
    expect((await env.server.context.store.countKeyPackages(cat.deviceId as DeviceId)).oneTime).toBe(30 - LIMITS.keyPackageClaimsPerPair - 1)
  })
})

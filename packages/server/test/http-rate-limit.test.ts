// The per-address HTTP allowance (createServer's httpRatePerSecond, burst 4× the rate; 200/s in
// `candor serve`): one address past it is answered `429 rate_limited` before any route runs, so a
// refused registration registers nobody; another address is not slowed by it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import { registrationStatement, toBase64Url } from '@candor/protocol'
import { SqliteStore } from '@candor/store-sqlite'
import { createServer, generateServerKeys, type CandorServer } from '../src/index.ts'
import { httpFrom } from './raw-client.ts'

const RATE = 0.5
const BURST = RATE * 4

let server: CandorServer
let store: SqliteStore

beforeAll(async () => {
  store = SqliteStore.open(':memory:')
  server = await createServer({ store, keys: generateServerKeys(), logLevel: 'silent', httpRatePerSecond: RATE })
})
afterAll(async () => {
  await server.close()
  await store.close()
})

function registration(userId: string) {
  const k = generateDeviceKey()
  const publicKey = toBase64Url(k.publicKey)
  return { userId, publicKey, deviceName: 'rate', signature: toBase64Url(signDetached(k.secretKey, registrationStatement(userId, publicKey))) }
}

describe('the per-address HTTP allowance', () => {
  it('answers 429 past the burst from one address, registers nobody it refused, and leaves other addresses alone', async () => {
    const from = '127.0.0.31'
    // The burst, spent on reads that change nothing.
    for (let i = 0; i < BURST; i++) expect((await httpFrom(from, server.url, 'GET', '/healthz')).status).toBe(200)

    const refused = await httpFrom(from, server.url, 'POST', '/v1/register', registration('rate-refused'))
    expect(refused.status).toBe(429)
    expect(refused.json.error).toMatchObject({ code: 'rate_limited', message: 'too many requests' })
    expect(await store.userExists('rate-refused' as never)).toBe(false)

    // Another address has its own allowance.
    const other = await httpFrom('127.0.0.32', server.url, 'POST', '/v1/register', registration('rate-other'))
    expect(other.status).toBe(201)
    expect(await store.userExists('rate-other' as never)).toBe(true)

    // The first address gets a request again once a token has come back (1 / RATE s).
    await new Promise((r) => setTimeout(r, 1000 / RATE + 100))
    const later = await httpFrom(from, server.url, 'POST', '/v1/register', registration('rate-later'))
    expect(later.status).toBe(201)
  })
})

// An overloaded server (or a proxy before it) answers without Candor's error body: Node's bare
// 408 when a request took too long, a proxy's 502–504. Those are transient (`unavailable`: the
// call is retried, a delivery stays unacknowledged), not `internal` — under load they left
// members out of a reset (bench/FIGURES.md, recovery). The server's own error body keeps its code.
// A bare 429 (a proxy's limit) is `rate_limited`, its Retry-After kept for the retry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import { generateDeviceKey } from '@candor/crypto'
import { deviceIdFromKey } from '@candor/protocol'
import { ApiClient } from '../src/index.ts'

let server: Server
let url: string
let answer: { status: number; body: string; headers?: Record<string, string> } = { status: 200, body: '{}' }
/** Answers given before `answer`, one per request, in order (then `answer` again). */
let queued: Array<typeof answer> = []
let paths: string[] = []
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume()
    paths.push(req.url ?? '')
    const answer = queued.shift() ?? answerNow()
    res.writeHead(answer.status, { ...(answer.body ? { 'content-type': 'application/json' } : {}), ...answer.headers })
    res.end(answer.body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
const answerNow = () => answer
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()))
})

describe('answers without an error body', () => {
  it('a bare 408, 502, 503 or 504 is unavailable; a bare 500 internal; the server’s own code is kept', async () => {
    const api = new ApiClient(url, undefined, { timeoutMs: 2000 })
    const codeOf = async (status: number, body = '') => {
      answer = { status, body }
      return api.directoryInfo().then(
        () => 'ok',
        (e: { code: string }) => e.code,
      )
    }
    expect(await codeOf(408)).toBe('unavailable')
    expect(await codeOf(502)).toBe('unavailable')
    expect(await codeOf(503)).toBe('unavailable')
    expect(await codeOf(504)).toBe('unavailable')
    expect(await codeOf(500)).toBe('internal')
    expect(await codeOf(400)).toBe('internal')
    expect(await codeOf(503, JSON.stringify({ error: { code: 'rate_limited', message: 'slow down' } }))).toBe('rate_limited')
    expect(await codeOf(408, JSON.stringify({ error: { code: 'bad_request', message: 'no' } }))).toBe('bad_request')
  })

  it('a bare 429 (a proxy’s limit) is rate_limited, with its Retry-After as details.retryAfterMs; the server’s own wait is kept', async () => {
    const api = new ApiClient(url, undefined, { timeoutMs: 2000 })
    const errorOf = async (a: typeof answer) => {
      answer = a
      return api.directoryInfo().then(
        () => null,
        (e: { code: string; details?: Record<string, unknown> }) => ({ code: e.code, details: e.details }),
      )
    }
    expect(await errorOf({ status: 429, body: '', headers: { 'retry-after': '7' } })).toEqual({ code: 'rate_limited', details: { retryAfterMs: 7000 } })
    expect(await errorOf({ status: 429, body: '' })).toEqual({ code: 'rate_limited', details: undefined })
    const own = JSON.stringify({ error: { code: 'rate_limited', message: 'slow down', details: { retryAfterMs: 1234 } } })
    expect(await errorOf({ status: 429, body: own, headers: { 'retry-after': '2' } })).toEqual({ code: 'rate_limited', details: { retryAfterMs: 1234 } })
    // Another refusal's Retry-After (a 503's) is not a rate limit's.
    expect(await errorOf({ status: 503, body: '', headers: { 'retry-after': '5' } })).toEqual({ code: 'unavailable', details: undefined })
  })
})

describe('a sign-in the loaded server answered with a bare 408', () => {
  it('is tried again with a fresh challenge, and the call goes on', async () => {
    const key = generateDeviceKey()
    const device = { deviceId: deviceIdFromKey(key.publicKey), secretKey: key.secretKey }
    const api = new ApiClient(url, device, { timeoutMs: 2000 })
    paths = []
    queued = [
      { status: 408, body: '' },
      { status: 200, body: JSON.stringify({ challenge: 'c2' }) },
      { status: 502, body: '' },
      { status: 200, body: JSON.stringify({ challenge: 'c3' }) },
      { status: 200, body: JSON.stringify({ token: 'session-token', expiresAt: Date.now() + 3600_000 }) },
    ]
    expect(await api.token()).toBe('session-token')
    expect(paths).toEqual(['/v1/auth/challenge', '/v1/auth/challenge', '/v1/auth/session', '/v1/auth/challenge', '/v1/auth/session'])
  })

  it('but not when the server cannot be reached: that fails at once', async () => {
    const key = generateDeviceKey()
    const device = { deviceId: deviceIdFromKey(key.publicKey), secretKey: key.secretKey }
    const api = new ApiClient('http://127.0.0.1:9', device, { timeoutMs: 2000 })
    const started = Date.now()
    await expect(api.token()).rejects.toMatchObject({ code: 'unavailable' })
    expect(Date.now() - started).toBeLessThan(2_000)
  })
})

// An overloaded server (or a proxy before it) answers without Candor's error body: Node's bare
// 408 when a request took too long, a proxy's 502–504. Those are transient (`unavailable`: the
// call is retried, a delivery stays unacknowledged), not `internal` — under load they left
// members out of a reset (bench/FIGURES.md, recovery). The server's own error body keeps its code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import { ApiClient } from '../src/index.ts'

let server: Server
let url: string
let answer: { status: number; body: string } = { status: 200, body: '{}' }
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume()
    res.writeHead(answer.status, answer.body ? { 'content-type': 'application/json' } : {})
    res.end(answer.body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
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
})

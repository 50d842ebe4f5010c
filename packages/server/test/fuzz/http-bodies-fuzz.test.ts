// A quick pass of the HTTP fuzzer over every route the server registered (thirty inputs
// each): never a 500, every refusal a known error code, a refused request changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHttpFuzz, type HttpFuzz } from './http-bodies.ts'

let h: HttpFuzz
beforeAll(async () => {
  h = await startHttpFuzz()
})
afterAll(async () => {
  await h?.close()
})

describe('every HTTP route, fuzzed', () => {
  it('answers 30 malformed inputs each without a 500, and a refusal changes nothing', async () => {
    expect(h.routes.length).toBeGreaterThan(30)
    for (const route of h.routes) expect((await h.fuzzRoute(route, 30)).runs).toBe(30)
  })
})

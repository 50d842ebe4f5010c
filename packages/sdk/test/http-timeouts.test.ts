// Every HTTP call of the SDK is bounded: a server that takes the request and never answers
// fails the call with `unavailable` instead of hanging it — and with it whatever waits on it,
// the MLS state lock included (a commit is posted while the lock is held).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server, type Socket } from 'node:net'
import { accessLogInfoSchema } from '@candor/protocol'
import { ApiClient, CandorClient, MemoryLocalStore } from '../src/index.ts'
import { DataApi } from '../src/data/data-api.ts'
import { nextMessage, options, startDevEnv, type DevEnv } from './dev-env.ts'
import { startOperatorProxy, type OperatorProxy } from './operator-proxy.ts'

describe('a server that never answers', () => {
  let mute: Server
  let url: string
  const held: Socket[] = []
  beforeAll(async () => {
    // Reads every request and answers none.
    mute = createServer((s) => {
      held.push(s)
      s.on('data', () => undefined)
    })
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', () => r()))
    url = `http://127.0.0.1:${(mute.address() as { port: number }).port}`
  })
  afterAll(async () => {
    for (const s of held) s.destroy()
    await new Promise<void>((r) => mute.close(() => r()))
  })

  it('fails an API call with unavailable once its timeout passes', async () => {
    const api = new ApiClient(url, undefined, { timeoutMs: 300 })
    await expect(api.directoryInfo()).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/did not answer/) })
    await expect(api.register({ userId: 'x', publicKey: 'x', deviceName: 'x', signature: 'x' })).rejects.toMatchObject({ code: 'unavailable' })
  })

  it('fails a data call (access log, receipts, export, erasure) likewise', async () => {
    const data = new DataApi(new ApiClient(url, undefined, { timeoutMs: 300 }))
    await expect(data.call(accessLogInfoSchema, 'GET', '/v1/access-log', { signedIn: false })).rejects.toMatchObject({ code: 'unavailable' })
  })

  it('fails registering a device through the client options (httpTimeoutMs)', async () => {
    await expect(CandorClient.register({ ...options(url, new MemoryLocalStore()), httpTimeoutMs: 300 }, 'nobody')).rejects.toMatchObject({ code: 'unavailable' })
  })
})

describe('a commit the server never answers', () => {
  let env: DevEnv
  let proxy: OperatorProxy
  let hangCommits = false
  beforeAll(async () => {
    env = await startDevEnv()
    proxy = await startOperatorProxy(env.server.url, (method, u) => (hangCommits && method === 'POST' && u.pathname.endsWith('/commits') ? 'hang' : undefined))
  })
  afterAll(async () => {
    proxy.releaseHung()
    await proxy.close()
    await env.close()
  })

  it('fails with unavailable and lets go of the MLS lock: the device still sends afterwards', async () => {
    const ada = await CandorClient.register({ ...options(proxy.url), httpTimeoutMs: 1_500 }, 'ada', 'ada-phone')
    env.clients.push(ada)
    await ada.connect()
    const bo = await env.user('bo')
    await env.user('cy')
    const conv = await ada.directConversation('bo')
    hangCommits = true
    await expect(ada.addMembers(conv, ['cy'])).rejects.toMatchObject({ code: 'unavailable' })
    hangCommits = false
    const got = nextMessage(bo, (m) => m.text === 'still here')
    await ada.send(conv, 'still here')
    expect((await got).from).toBe('ada')
  })
})

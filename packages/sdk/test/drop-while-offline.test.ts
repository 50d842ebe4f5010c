// When the device learns the network is gone (the browser's `offline` event), it counts its
// socket as lost at once: with the network held, a closing handshake cannot finish, and the
// device must not look online meanwhile. Once the network is back it catches up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CandorClient, type ConnectionState } from '../src/index.ts'
import { heldNetwork, type HeldNetwork } from './held-network.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

describe('dropping the connection while the network is held', () => {
  let env: DevEnv
  let net: HeldNetwork
  beforeAll(async () => {
    env = await startDevEnv()
    net = await heldNetwork(env.server.url)
  })
  afterAll(async () => {
    await env.close()
    await net.close()
  })

  it('goes offline at once, stays offline while held, and receives what was sent meanwhile', async () => {
    const ana = await CandorClient.register(options(net.url), 'ana', 'ana-laptop')
    env.clients.push(ana)
    await ana.connect()
    const ben = await env.user('ben')
    const conv = await ben.directConversation('ana')
    await waitFor(() => ana.conversations().some((c) => c.id === conv), 'ana to join')

    const states: ConnectionState[] = []
    ana.on('connection', (s) => states.push(s))
    net.hold()
    ana.dropConnection()
    // At once, not after a closing handshake that cannot get through.
    expect(ana.connectionState).toBe('offline')
    await new Promise((r) => setTimeout(r, 1_500))
    expect(ana.connectionState).not.toBe('online')
    expect(states).not.toContain('online')

    const got = nextMessage(ana, (m) => m.text === 'while you were away', 60_000)
    await ben.send(conv, 'while you were away')
    net.release()
    ana.reconnectNow()
    expect((await got).text).toBe('while you were away')
    await waitFor(() => ana.connectionState === 'online', 'ana to be online again')
  }, 180_000)
})

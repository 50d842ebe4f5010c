// A loopback TCP proxy in front of the real server that can "lose the network" the way a browser
// that goes offline does: while held, bytes on open connections stop moving (they flow again,
// in order, once released) and new connections are refused.
import { createServer, connect, type Socket } from 'node:net'

export interface HeldNetwork {
  /** The server's URL through the proxy (http://127.0.0.1:PORT). */
  url: string
  hold(): void
  release(): void
  close(): Promise<void>
}

export async function heldNetwork(target: string): Promise<HeldNetwork> {
  const { hostname, port } = new URL(target)
  let held = false
  const pairs = new Set<[Socket, Socket]>()
  const server = createServer((client) => {
    if (held) return void client.destroy()
    const upstream = connect(Number(port), hostname)
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    client.pipe(upstream)
    upstream.pipe(client)
    const end = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  return {
    url: `http://127.0.0.1:${address.port}`,
    hold() {
      held = true
      for (const [a, b] of pairs) (a.pause(), b.pause())
    },
    release() {
      held = false
      for (const [a, b] of pairs) (a.resume(), b.resume())
    },
    async close() {
      for (const [a, b] of pairs) (a.destroy(), b.destroy())
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

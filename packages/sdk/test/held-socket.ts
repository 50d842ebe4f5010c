// A loopback TCP proxy in front of the real server that can hold one client's delivery socket
// while its HTTP requests go on: while held, bytes on the open WebSocket connections stop moving
// (they flow again, in order, once released); every other connection (HTTP) passes. How a send
// written to a slow socket reaches the server later than the same device's HTTP calls.
import { createServer, connect, type Socket } from 'node:net'

export interface HeldSocket {
  /** The server's URL through the proxy (http://127.0.0.1:PORT). */
  url: string
  /** Holds the WebSocket connections open now. */
  hold(): void
  release(): void
  close(): Promise<void>
}

export async function heldSocket(target: string): Promise<HeldSocket> {
  const { hostname, port } = new URL(target)
  const sockets = new Set<[Socket, Socket]>()
  const all = new Set<Socket>()
  let held: Array<[Socket, Socket]> = []
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname)
    all.add(client).add(upstream)
    const pair: [Socket, Socket] = [client, upstream]
    client.once('data', (first: Buffer) => {
      // A WebSocket handshake names the upgrade in its first request.
      if (/^upgrade:\s*websocket/im.test(first.toString('latin1'))) sockets.add(pair)
    })
    client.pipe(upstream)
    upstream.pipe(client)
    const end = () => {
      sockets.delete(pair)
      all.delete(client)
      all.delete(upstream)
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
      held = [...sockets]
      for (const [a, b] of held) (a.pause(), b.pause())
    },
    release() {
      for (const [a, b] of held) (a.resume(), b.resume())
      held = []
    },
    async close() {
      for (const s of all) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

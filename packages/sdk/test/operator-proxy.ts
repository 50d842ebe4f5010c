// A malicious operator's front door: a forwarding proxy (HTTP and WebSocket) before the real
// server. A client pointed at it talks to the real server, except for the requests the
// operator chooses to answer itself, hold, or cut off — so tests can show one person a
// different world from everyone else without touching the client.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

/**
 * What the operator does with a request: answer it, hang it until released, cut the connection,
 * forward it and cut the connection instead of passing the answer on ('cut-answer': the server
 * did it, the client never learns), or forward it (undefined).
 */
export type Answer = { status: number; body: unknown } | 'hang' | 'drop' | 'cut-answer' | undefined

export interface OperatorProxy {
  url: string
  /** Requests forwarded to the real server and answered by it, by path (without query). */
  forwarded: string[]
  /** Cuts every connection of a request held by 'hang' (its client sees a network error). */
  releaseHung(): void
  close(): Promise<void>
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export async function startOperatorProxy(target: string, answer: (method: string, url: URL) => Answer | Promise<Answer>): Promise<OperatorProxy> {
  const to = new URL(target)
  const hung = new Set<Socket>()
  const sockets = new Set<Socket>()
  const forwarded: string[] = []

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, path: string, cutAnswer = false) => {
    const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (r) => {
      if (cutAnswer) {
        r.resume()
        req.socket.destroy()
        return
      }
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
      r.on('end', () => forwarded.push(path))
    })
    up.on('error', () => res.destroy())
    up.end(body)
  }

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req)
      const url = new URL(req.url ?? '/', 'http://proxy')
      const a = await answer(req.method ?? 'GET', url)
      if (a === 'drop') return req.socket.destroy()
      if (a === 'hang') return void hung.add(req.socket)
      if (a && a !== 'cut-answer') {
        res.writeHead(a.status, { 'content-type': 'application/json' })
        return void res.end(JSON.stringify(a.body))
      }
      forward(req, res, body, url.pathname, a === 'cut-answer')
    })().catch(() => res.destroy())
  })
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  // The delivery socket goes through untouched: the same bytes both ways.
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const up = connect(Number(to.port), to.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`]
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
      up.write(`${lines.join('\r\n')}\r\n\r\n`)
      up.write(head)
      socket.pipe(up).pipe(socket)
    })
    sockets.add(up)
    up.on('close', () => sockets.delete(up))
    up.on('error', () => socket.destroy())
    socket.on('error', () => up.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    releaseHung() {
      for (const s of hung) s.destroy()
      hung.clear()
    },
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

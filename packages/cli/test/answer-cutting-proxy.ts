// A forwarding proxy (HTTP and WebSocket) in front of a real server that, for the requests the
// test names, lets the server answer and then — before the answer reaches the client — runs
// the test's hook (e.g. SIGKILL the client process) and cuts the connection. The server has
// done what was asked; the client never learns it.
import { createServer, request, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'

export interface AnswerCuttingProxy {
  url: string
  /** Requests whose answers were cut, as "METHOD /path". */
  cut: string[]
  close(): Promise<void>
}

export async function startAnswerCuttingProxy(target: string, shouldCut: (method: string, path: string) => boolean, onCut: () => void): Promise<AnswerCuttingProxy> {
  const to = new URL(target)
  const sockets = new Set<Socket>()
  const cut: string[] = []
  const server = createServer((req: IncomingMessage, res) => {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname
    const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (r) => {
      if (shouldCut(req.method ?? 'GET', path)) {
        cut.push(`${req.method} ${path}`)
        r.resume()
        onCut()
        req.socket.destroy()
        return
      }
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
    })
    up.on('error', () => res.destroy())
    req.pipe(up)
  })
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  // The delivery socket goes through untouched.
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
    cut,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

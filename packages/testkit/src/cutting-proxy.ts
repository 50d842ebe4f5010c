// Fault injection for resumable transfers: a forwarding proxy (HTTP and WebSocket) before a real
// server that cuts chosen exchanges. A rule picks a request by method and path and says where
// the connection breaks: before the request reaches the server ('request'), or after the
// server answered, once `afterBytes` of the answer's body have reached the client ('answer';
// 0: the server did it, the client never learns), and what else happens then (`onCut`: kill the
// client process, say). Each rule fires once. Everything else, and
// the delivery socket, passes through untouched.
import { createServer, request, type IncomingMessage } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'

export interface CutRule {
  method: string
  /** Matches the request's path (without the query). */
  path: RegExp
  cut: 'request' | 'answer'
  /** For 'answer': how many bytes of the answer's body pass before the cut (default 0). */
  afterBytes?: number
  /** Runs when the cut happens, before the connection breaks (e.g. SIGKILL the client process). */
  onCut?: () => void
}

export interface CuttingProxy {
  url: string
  /** Adds a rule; it fires on the next matching request only. */
  cutNext(rule: CutRule): void
  /** Rules that fired, in order, as `METHOD path`. */
  readonly fired: string[]
  close(): Promise<void>
}

export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const to = new URL(target)
  const rules: CutRule[] = []
  const fired: string[] = []
  const sockets = new Set<Socket>()

  const take = (method: string, path: string): CutRule | undefined => {
    const i = rules.findIndex((r) => r.method === method && r.path.test(path))
    if (i < 0) return undefined
    const [rule] = rules.splice(i, 1)
    fired.push(`${method} ${path}`)
    return rule
  }

  const server = createServer((req: IncomingMessage, res) => {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname
    const rule = take(req.method ?? 'GET', path)
    if (rule?.cut === 'request') {
      rule.onCut?.()
      req.socket.destroy()
      return
    }
    const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      if (!rule) {
        answer.pipe(res)
        return
      }
      let left = rule.afterBytes ?? 0
      if (left === 0) {
        answer.resume()
        rule.onCut?.()
        res.socket?.destroy()
        return
      }
      answer.on('data', (c: Buffer) => {
        if (left <= 0) return
        const part = c.subarray(0, left)
        left -= part.length
        res.write(part)
        if (left <= 0) {
          answer.destroy()
          rule.onCut?.()
          // Let the bytes written go out, then break the connection.
          res.socket?.end(() => res.socket?.destroy())
          setTimeout(() => res.socket?.destroy(), 20)
        }
      })
      answer.on('end', () => {
        if (left > 0) res.end()
      })
    })
    up.on('error', () => res.destroy())
    req.pipe(up)
  })
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
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
    fired,
    cutNext(rule) {
      rules.push(rule)
    },
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

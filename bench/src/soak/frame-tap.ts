// A loopback proxy in front of the server for one device, counting at the server's delivery:
// HTTP is passed through as it is; each delivery WebSocket is relayed frame by frame, and every
// frame is parsed with the protocol's own decoders both ways (packages/protocol/src/frames.ts)
// and recorded in the device's ledger — each `deliver` the server sent (before the client saw
// it, let alone de-duplicated it), each `ack` as it is written to a server socket, each `send`
// and its `accepted` or `error`. Frames are forwarded unchanged. When the server dies, the
// client's socket is dropped as abruptly (and HTTP requests cut), as if there were no proxy.
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { decodeClientFrame, decodeServerFrame } from '@candor/protocol'
import type { DeviceLedger } from './ledger.ts'

export interface FrameTapOptions {
  /** The server's port on 127.0.0.1 (the same across restarts). */
  upstreamPort: () => number
  /** The server's current life (see SoakLedger.life). */
  life: () => number
  ledger: DeviceLedger
}

const bytesOf = (d: RawData): Uint8Array => {
  const b = Array.isArray(d) ? Buffer.concat(d) : Buffer.isBuffer(d) ? d : Buffer.from(d)
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

export class FrameTap {
  readonly #o: FrameTapOptions
  readonly #server: http.Server
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 })
  readonly #agent = new http.Agent({ keepAlive: false })
  readonly #sockets = new Set<Socket>()
  /** Relayed sockets open now: [client side, server side]. */
  readonly #relays = new Set<[WebSocket, WebSocket]>()
  #socketsOpened = 0

  private constructor(o: FrameTapOptions) {
    this.#o = o
    this.#server = http.createServer((req, res) => this.#forwardHttp(req, res))
    this.#server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
      this.#upgrade(req, socket, head)
    })
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s)
      s.once('close', () => this.#sockets.delete(s))
    })
  }

  static async start(o: FrameTapOptions): Promise<FrameTap> {
    const tap = new FrameTap(o)
    await new Promise<void>((resolve) => tap.#server.listen(0, '127.0.0.1', resolve))
    return tap
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  /** Relayed sockets whose server side is open. */
  get openRelays(): number {
    let n = 0
    for (const [, up] of this.#relays) if (up.readyState === WebSocket.OPEN) n++
    return n
  }

  async close(): Promise<void> {
    for (const [down, up] of this.#relays) {
      down.terminate()
      up.terminate()
    }
    for (const s of this.#sockets) s.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #forwardHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    const up = http.request(
      { host: '127.0.0.1', port: this.#o.upstreamPort(), method: req.method, path: req.url, headers: req.headers, agent: this.#agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
        answer.once('aborted', () => res.destroy())
        answer.once('error', () => res.destroy())
      },
    )
    // The server is down or died mid-answer: the client's connection breaks, as it would without us.
    up.once('error', () => req.socket.destroy())
    req.pipe(up)
  }

  /**
   * The client's socket is taken only once the server's is open, so a client never sees a
   * socket open while the server is down (it would burn its send retries on it).
   */
  #upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const ledger = this.#o.ledger
    const up = new WebSocket(`ws://127.0.0.1:${this.#o.upstreamPort()}${req.url ?? '/'}`, { maxPayload: 64 * 1024 * 1024 })
    let down: WebSocket | undefined
    /** The server life this socket reached, once open. */
    let life: number | undefined
    const socketNo = ++this.#socketsOpened
    /** Client frames written to the server on this socket so far. */
    let written = 0
    const waiting: Array<{ data: Uint8Array; isBinary: boolean }> = []
    socket.once('close', () => {
      if (!down) up.terminate()
    })
    up.on('unexpected-response', (_req, res) => {
      socket.end(`HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      up.terminate()
    })
    up.on('error', () => {
      if (!down) socket.destroy()
    })
    up.on('open', () => {
      life = this.#o.life()
      this.#wss.handleUpgrade(req, socket, head, (d) => {
        down = d
        const pair: [WebSocket, WebSocket] = [d, up]
        this.#relays.add(pair)
        d.on('error', () => {})
        d.on('message', (raw, isBinary) => {
          const data = bytesOf(raw)
          if (isBinary) {
            try {
              const f = decodeClientFrame(data)
              const open = up.readyState === WebSocket.OPEN
              const mark = { socket: socketNo, at: written }
              if (f.type === 'send') ledger.onSend(f.reqId, f.messageId, f.groupId, mark)
              else if (f.type === 'ack') ledger.onAck(f.seqs, open ? life : undefined, mark)
            } catch {
              ledger.malformed++
            }
          }
          if (up.readyState === WebSocket.OPEN) {
            up.send(data, { binary: isBinary })
            written++
          }
        })
        d.on('close', () => {
          this.#relays.delete(pair)
          if (up.readyState === WebSocket.OPEN) up.close()
          else up.terminate()
        })
        for (const w of waiting.splice(0)) d.send(w.data, { binary: w.isBinary })
      })
    })
    up.on('message', (raw, isBinary) => {
      const data = bytesOf(raw)
      if (isBinary) {
        try {
          const f = decodeServerFrame(data)
          if (f.type === 'deliver') ledger.onDeliver(f.seq, f.sender, f.messageId, life!, socketNo)
          else if (f.type === 'accepted') ledger.onAccepted(f.reqId)
          else if (f.type === 'error') ledger.onError(f.reqId, f.code)
        } catch {
          ledger.malformed++
        }
      }
      if (!down) waiting.push({ data, isBinary })
      else if (down.readyState === WebSocket.OPEN) down.send(data, { binary: isBinary })
    })
    up.on('close', (code, reason) => {
      if (!down) return void socket.destroy()
      // A close the server chose (session ended, refused) is passed on; a dead server's socket is dropped.
      if ((code >= 3000 && code <= 4999) || [1000, 1001, 1008, 1009, 1011].includes(code)) down.close(code, reason)
      else down.terminate()
    })
  }
}

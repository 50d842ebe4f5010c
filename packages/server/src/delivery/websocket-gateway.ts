// Accepts WebSocket upgrades on /v1/ws?token=…, authenticates the device and hands the socket
// to a DeviceConnection. One live connection per device: a newer one replaces the older.
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { CandorError, LIMITS, type DeviceId } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { sessionFromToken } from '../auth/authenticate.ts'
import { DeviceConnection } from './device-connection.ts'

const PING_MS = 30_000

export class WebSocketGateway {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.wsFrameBytes, perMessageDeflate: false })
  readonly #connections = new Map<DeviceId, DeviceConnection>()
  readonly #alive = new WeakSet<object>()
  readonly #ctx: AppContext
  readonly #pinger: NodeJS.Timeout

  constructor(server: Server, ctx: AppContext) {
    this.#ctx = ctx
    server.on('upgrade', (req, socket, head) => void this.#upgrade(req, socket, head))
    this.#pinger = setInterval(() => {
      for (const ws of this.#wss.clients) {
        if (!this.#alive.has(ws)) {
          ws.terminate()
          continue
        }
        this.#alive.delete(ws)
        ws.ping()
      }
    }, PING_MS)
    this.#pinger.unref()
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const refuse = (status: number, code: string) => {
      socket.end(`HTTP/1.1 ${status} ${code}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://localhost')
    } catch {
      return refuse(400, 'Bad Request')
    }
    if (url.pathname !== '/v1/ws') return refuse(404, 'Not Found')
    let session
    try {
      session = await sessionFromToken(this.#ctx, url.searchParams.get('token') ?? undefined)
    } catch (e) {
      const err = e instanceof CandorError ? e : new CandorError('internal', 'internal error')
      return refuse(err.status, err.code)
    }
    ;(socket as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true)
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#alive.add(ws)
      ws.on('pong', () => this.#alive.add(ws))
      this.#connections.get(session.deviceId)?.close()
      const conn = new DeviceConnection(ws, session, this.#ctx)
      this.#connections.set(session.deviceId, conn)
      ws.on('close', () => {
        if (this.#connections.get(session.deviceId) === conn) this.#connections.delete(session.deviceId)
      })
      conn.start()
    })
  }

  /** Closes a device's connection, e.g. when it is revoked. */
  disconnect(deviceId: DeviceId): void {
    this.#connections.get(deviceId)?.close()
  }

  async close(): Promise<void> {
    clearInterval(this.#pinger)
    for (const c of this.#connections.values()) c.close()
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()))
  }
}

// Accepts WebSocket upgrades on /v1/ws and hands each socket, once its first frame (`auth`)
// proved a session, to a DeviceConnection. One live connection per device: a newer one replaces
// the older. A session token in the URL is refused: URLs are logged by proxies and servers.
// Ended sessions (Sessions.end on any node, over the bus) close the devices' sockets here.
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { CloseCode, LIMITS, encodeNotice, type DeviceId, type SessionEndReason } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import type { Session } from '../auth/tokens.ts'
import { closeSocket } from './close-socket.ts'
import { DeviceConnection } from './device-connection.ts'
import { awaitAuth, type EarlyFrame } from './socket-auth.ts'

const PING_MS = 30_000
/** How long an ended session is remembered, for sockets whose sign-in check was under way then. */
const ENDED_MEMORY_MS = 60_000

export class WebSocketGateway {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.wsFrameBytes, perMessageDeflate: false })
  readonly #connections = new Map<DeviceId, DeviceConnection>()
  readonly #alive = new WeakSet<object>()
  /** Devices whose sessions ended lately, and when (performance.now()) and why. */
  readonly #ended = new Map<DeviceId, { at: number; reason: SessionEndReason }>()
  readonly #ctx: AppContext
  readonly #authTimeoutMs: number
  readonly #pinger: NodeJS.Timeout

  constructor(server: Server, ctx: AppContext, authTimeoutMs: number) {
    this.#ctx = ctx
    this.#authTimeoutMs = authTimeoutMs
    server.on('upgrade', (req, socket, head) => this.#upgrade(req, socket, head))
    ctx.bus.onSessionEnded((deviceIds, reason) => this.#endSessions(deviceIds, reason))
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

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, reason: string, body = '') => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
    }
    // The path every client uses, exactly, needs no parsing (a URL object per upgrade is a
    // noticeable part of a reconnect storm); anything else is parsed and checked in full.
    if (req.url !== '/v1/ws') {
      let url: URL
      try {
        url = new URL(req.url ?? '/', 'http://localhost')
      } catch {
        return refuse(400, 'Bad Request')
      }
      if (url.pathname !== '/v1/ws') return refuse(404, 'Not Found')
      if (url.searchParams.has('token')) {
        return refuse(400, 'Bad Request', 'bad_request: the session token goes in the first frame (auth), never in the URL\n')
      }
    }
    ;(socket as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true)
    this.#wss.handleUpgrade(req, socket, head, this.#upgraded)
  }

  /** One upgrade callback and one pong listener shared by every socket. */
  readonly #upgraded = (ws: WebSocket): void => {
    this.#alive.add(ws)
    ws.on('pong', this.#ponged)
    awaitAuth(ws, this.#ctx, this.#authTimeoutMs, this.#accept)
  }

  /** A 'pong' listener: EventEmitter calls it with the socket as `this`. */
  readonly #ponged = ((alive: WeakSet<object>) =>
    function (this: WebSocket): void {
      alive.add(this)
    })(this.#alive)

  /** A socket's auth frame proved a session: one function for every socket. */
  readonly #accept = (ws: WebSocket, session: Session, early: readonly EarlyFrame[], checkedFrom: number): void => {
    // The session ended while its device was being looked up: the lookup may have read the
    // device before it was revoked, and the ending has passed this socket by. End it here.
    const ended = this.#ended.get(session.deviceId)
    if (ended && ended.at >= checkedFrom) {
      this.#ctx.metrics.connectionsClosed.inc({ reason: ended.reason })
      ws.send(encodeNotice({ kind: 'session_ended', reason: ended.reason }))
      return closeSocket(ws, CloseCode.sessionEnded, ended.reason)
    }
    this.#connections.get(session.deviceId)?.close()
    const conn = new DeviceConnection(ws, session, this.#ctx, this.#forget)
    this.#connections.set(session.deviceId, conn)
    conn.start(early)
  }

  /** A connection's socket closed: one function for every connection, told which. */
  readonly #forget = (conn: DeviceConnection): void => {
    if (this.#connections.get(conn.deviceId) === conn) this.#connections.delete(conn.deviceId)
  }

  #endSessions(deviceIds: readonly DeviceId[], reason: SessionEndReason): void {
    const now = performance.now()
    for (const [d, e] of this.#ended) if (now - e.at > ENDED_MEMORY_MS) this.#ended.delete(d)
    for (const d of deviceIds) {
      this.#ended.set(d, { at: now, reason })
      const conn = this.#connections.get(d)
      if (!conn) continue
      this.#connections.delete(d)
      conn.end(reason)
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#pinger)
    for (const c of this.#connections.values()) c.close()
    // Sockets still waiting for their auth frame belong to no connection.
    for (const ws of this.#wss.clients) ws.terminate()
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()))
  }
}

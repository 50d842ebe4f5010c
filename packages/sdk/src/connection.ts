// The device's WebSocket to the server: signs the socket in with an `auth` frame (never a token
// in the URL) and again before the token expires, sends with per-request acknowledgement, hands
// each delivery over in arrival order (the caller acknowledges it with ack() once it is handled,
// see delivery-queue.ts), and reconnects with jittered exponential backoff — unless the server
// ended the session for good (revoked, erased: no reconnect). Runtime-neutral: it takes a
// WebSocket factory.
import {
  CandorError,
  CloseCode,
  decodeServerFrame,
  encodeAck,
  encodeAuth,
  encodeSend,
  encodeSendEphemeral,
  isSessionEndReason,
  newMessageId,
  type DeliverFrame,
  type EphemeralFrame,
  type GroupId,
  type MessageId,
  type Notice,
  type SessionEndReason,
} from '@candor/protocol'
import type { SessionToken } from './api-client.ts'
import { sessionEndedText, sessionResumes } from './session-ended-text.ts'

/** The subset of the browser WebSocket API we use; `ws` in Node provides it too. */
export interface WebSocketLike {
  binaryType: string
  readonly readyState: number
  send(data: Uint8Array): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
}
export type WebSocketFactory = (url: string) => WebSocketLike

/** Where the socket goes and how it signs in. */
export interface ConnectionEndpoint {
  /** The socket's URL (`…/v1/ws`, no token in it). */
  url: string
  /** A session token valid for a while yet; `outlives`: it must expire after that time. */
  session(outlives?: number): Promise<SessionToken>
  /** The server refused or expired the token: the next session() signs in again. */
  forgetSession(): void
}

export interface ConnectionHandlers {
  /** Called for each delivery as it arrives, in queue order; acknowledge it with ack(seq) once handled. */
  onDeliver(f: DeliverFrame): void
  onNotice(n: Notice): void
  /** An ephemeral frame (a typing indicator): never acknowledged. */
  onEphemeral?(f: EphemeralFrame): void
  onState(state: ConnectionState): void
  /**
   * The server ended this device's session (a `session_ended` notice), or refused it as revoked
   * or erased. For every reason but `expired` the connection is then closed for good.
   */
  onSessionEnded(reason: SessionEndReason): void
}
export type ConnectionState = 'connecting' | 'online' | 'offline' | 'closed'

const OPEN = 1
const SEND_TIMEOUT_MS = 15_000
const ACKS_PER_FRAME = 256
/** Acks not yet sent when offline; beyond this the oldest are dropped (the server pushes them again, harmlessly). */
const MAX_UNSENT_ACKS = 4096
/** A socket that has not opened by then is given up and tried again. */
const OPEN_TIMEOUT_MS = 15_000
/** A socket signs in again this long before its token expires (or halfway, for a short token). */
const REAUTH_MARGIN_MS = 5 * 60_000
/** A re-authentication that failed (network) is tried again after this, until the token expires. */
const REAUTH_RETRY_MS = 5_000
/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** A sign-in refusal that means the session cannot come back: the device was revoked or erased. */
function endingOf(code: string): SessionEndReason | undefined {
  if (code === 'device_revoked') return 'revoked'
  if (code === 'unknown_device') return 'erased'
  return undefined
}

/** The ending a close code tells of, for a socket closed without (or before) its notice. */
function closeEnding(code: number | undefined, reason: string | undefined): SessionEndReason | undefined {
  if (code === CloseCode.sessionEnded) return isSessionEndReason(reason) ? reason : 'expired'
  if (code === CloseCode.authRefused) return endingOf(reason ?? '')
  return undefined
}

export class Connection {
  readonly #endpoint: ConnectionEndpoint
  readonly #factory: WebSocketFactory
  readonly #h: ConnectionHandlers
  #ws: WebSocketLike | undefined
  #state: ConnectionState = 'offline'
  #attempt = 0
  #reqId = 1
  #pending = new Map<number, { resolve: (sentAt: number) => void; reject: (e: unknown) => void; timer: ReturnType<typeof setTimeout> }>()
  #ackBuffer: number[] = []
  #ackTimer: ReturnType<typeof setTimeout> | undefined
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  /** Waiting for the socket: called with nothing once open, with the error once it never will be. */
  #opened: Array<(error?: CandorError) => void> = []
  #reauthTimer: ReturnType<typeof setTimeout> | undefined
  /** Why the server ended the current socket's session, once it said so. */
  #ending: SessionEndReason | undefined
  /** What waiting for this connection fails with once the session ended for good. */
  #endedWith: CandorError | undefined

  constructor(endpoint: ConnectionEndpoint, factory: WebSocketFactory, handlers: ConnectionHandlers) {
    this.#endpoint = endpoint
    this.#factory = factory
    this.#h = handlers
  }

  get state(): ConnectionState {
    return this.#state
  }

  #setState(s: ConnectionState): void {
    if (this.#state === s) return
    this.#state = s
    this.#h.onState(s)
  }

  start(): void {
    if (this.#state === 'closed' || this.#ws) return
    this.#setState('connecting')
    void this.#open()
  }

  /** Resolves when the socket is open (or rejects after the timeout). */
  whenOnline(timeoutMs = 10_000): Promise<void> {
    if (this.#state === 'online') return Promise.resolve()
    if (this.#state === 'closed') return Promise.reject(this.#endedWith ?? new CandorError('unavailable', 'connection closed'))
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new CandorError('unavailable', 'not connected to the server')), timeoutMs)
      this.#opened.push((error) => {
        clearTimeout(t)
        if (error) reject(error)
        else resolve()
      })
    })
  }

  async #open(): Promise<void> {
    let session: SessionToken
    try {
      session = await this.#endpoint.session()
    } catch (e) {
      const ending = e instanceof CandorError ? endingOf(e.code) : undefined
      if (ending) return this.#end(ending)
      this.#scheduleRetry()
      return
    }
    if (this.#state === 'closed') return
    const ws = this.#factory(this.#endpoint.url)
    ws.binaryType = 'arraybuffer'
    this.#ws = ws
    this.#ending = undefined
    const openTimer = setTimeout(() => ws.close(), OPEN_TIMEOUT_MS)
    ws.onopen = () => {
      clearTimeout(openTimer)
      // The first frame signs the socket in; frames sent after it are read once it checks out.
      ws.send(encodeAuth(session.token))
      this.#renewBefore(ws, session.expiresAt)
      this.#attempt = 0
      this.#setState('online')
      // Acknowledgements made while offline: the server is pushing those deliveries again.
      this.#flushAcks()
      for (const f of this.#opened.splice(0)) f()
    }
    // A socket given up on (dropped) says nothing more: what it still carries is pushed again on the next one.
    ws.onmessage = (ev) => void (this.#ws === ws && this.#onMessage(ev.data))
    ws.onerror = () => {}
    ws.onclose = (ev) => {
      clearTimeout(openTimer)
      this.#lost(ws, ev?.code, ev?.reason)
    }
  }

  /** The socket is gone (closed, or given up on): what waited on it fails, and the connection retries. */
  #lost(ws: WebSocketLike, code: number | undefined, reason: string | undefined): void {
    if (this.#ws !== ws) return
    this.#ws = undefined
    clearTimeout(this.#reauthTimer)
    for (const [, p] of this.#pending) {
      clearTimeout(p.timer)
      p.reject(new CandorError('unavailable', 'connection lost before the server acknowledged the message'))
    }
    this.#pending.clear()
    if (this.#state !== 'closed') this.#afterClose(code, reason)
  }

  /** What a closed socket means: the session is over for good, it needs a new token, or the network failed. */
  #afterClose(code: number | undefined, reason: string | undefined): void {
    const told = this.#ending !== undefined
    const ending = this.#ending ?? closeEnding(code, reason)
    if (ending && !sessionResumes(ending)) return this.#end(ending, !told)
    if (ending && !told) this.#h.onSessionEnded(ending)
    this.#setState('offline')
    if (ending === 'expired' || code === CloseCode.authRefused) {
      // Sign in again for a fresh token; after an expiry at once, as nothing is wrong.
      this.#endpoint.forgetSession()
      if (ending === 'expired') this.#attempt = 0
    }
    this.#scheduleRetry()
  }

  /** Stops for good after the server ended the session (`tell`: the handler has not heard yet). */
  #end(reason: SessionEndReason, tell = true): void {
    if (tell) this.#h.onSessionEnded(reason)
    const code = reason === 'erased' ? 'unknown_device' : reason === 'logged_out' ? 'unauthenticated' : 'device_revoked'
    const error = (this.#endedWith = new CandorError(code, sessionEndedText(reason)))
    for (const f of this.#opened.splice(0)) f(error)
    this.close()
  }

  /** The server's `session_ended` notice: said before it closes the socket (4001). */
  #onSessionEnded(reason: unknown): void {
    // A reason this version does not know ends the socket like `expired`: the device signs in
    // again, and the server refuses it if the session really is over.
    const r = isSessionEndReason(reason) ? reason : 'expired'
    if (this.#ending !== undefined) return
    this.#ending = r
    this.#h.onSessionEnded(r)
  }

  /** Sends a fresh token on the open socket before the current one expires. */
  #renewBefore(ws: WebSocketLike, expiresAt: number): void {
    clearTimeout(this.#reauthTimer)
    const left = expiresAt - Date.now()
    const wait = Math.max(left - REAUTH_MARGIN_MS, left / 2, 0)
    this.#reauthTimer = setTimeout(() => void this.#renew(ws, expiresAt), Math.min(wait, MAX_TIMER_MS))
  }

  async #renew(ws: WebSocketLike, expiresAt: number): Promise<void> {
    try {
      const s = await this.#endpoint.session(expiresAt)
      if (this.#ws !== ws || ws.readyState !== OPEN) return
      ws.send(encodeAuth(s.token))
      this.#renewBefore(ws, s.expiresAt)
    } catch {
      // The network may be back in a moment; if not, the server ends the session at expiry
      // and the device signs in again on a new socket.
      if (this.#ws === ws && Date.now() < expiresAt) this.#reauthTimer = setTimeout(() => void this.#renew(ws, expiresAt), REAUTH_RETRY_MS)
    }
  }

  #scheduleRetry(): void {
    if (this.#state === 'closed') return
    this.#setState('offline')
    const base = Math.min(30_000, 250 * 2 ** this.#attempt++)
    this.#retryTimer = setTimeout(() => {
      this.#setState('connecting')
      void this.#open()
    }, base / 2 + Math.random() * (base / 2))
  }

  #onMessage(data: unknown): void {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null
    if (!bytes) return
    let f
    try {
      f = decodeServerFrame(bytes)
    } catch {
      return
    }
    switch (f.type) {
      case 'accepted':
      case 'error': {
        const p = this.#pending.get(f.reqId)
        if (!p) return
        this.#pending.delete(f.reqId)
        clearTimeout(p.timer)
        if (f.type === 'accepted') p.resolve(f.sentAt)
        else p.reject(new CandorError(f.code, f.message))
        return
      }
      case 'notice':
        if (f.notice.kind === 'session_ended') this.#onSessionEnded(f.notice.reason)
        else this.#h.onNotice(f.notice)
        return
      case 'deliver':
        this.#h.onDeliver(f)
        return
      case 'ephemeral':
        this.#h.onEphemeral?.(f)
    }
  }

  /** Acknowledges a delivery: the server deletes it from this device's queue. */
  ack(seq: number): void {
    this.#ackBuffer.push(seq)
    if (this.#ackBuffer.length >= ACKS_PER_FRAME) this.#flushAcks()
    else this.#ackTimer ??= setTimeout(() => this.#flushAcks(), 5)
  }

  #flushAcks(): void {
    if (this.#ackTimer) clearTimeout(this.#ackTimer)
    this.#ackTimer = undefined
    // Kept while offline (up to a bound) and sent on the next connection.
    const ws = this.#ws
    if (!ws || ws.readyState !== OPEN) {
      this.#ackBuffer.splice(0, Math.max(0, this.#ackBuffer.length - MAX_UNSENT_ACKS))
      return
    }
    while (this.#ackBuffer.length > 0) ws.send(encodeAck(this.#ackBuffer.splice(0, ACKS_PER_FRAME)))
  }

  /** Sends an MLS message; resolves with the server's timestamp once it is durably stored. */
  send(groupId: GroupId, messageId: MessageId, payload: Uint8Array): Promise<number> {
    const ws = this.#ws
    if (!ws || ws.readyState !== OPEN) return Promise.reject(new CandorError('unavailable', 'offline'))
    const reqId = this.#reqId++ >>> 0
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(reqId)
        reject(new CandorError('unavailable', 'the server did not acknowledge the message in time'))
      }, SEND_TIMEOUT_MS)
      this.#pending.set(reqId, { resolve, reject, timer })
      ws.send(encodeSend({ reqId, messageId, groupId, payload }))
    })
  }

  /** Sends an ephemeral payload (typing): resolves once the server relayed it to the members online now. */
  sendEphemeral(groupId: GroupId, payload: Uint8Array): Promise<void> {
    const ws = this.#ws
    if (!ws || ws.readyState !== OPEN) return Promise.reject(new CandorError('unavailable', 'offline'))
    const reqId = this.#reqId++ >>> 0
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(reqId)
        reject(new CandorError('unavailable', 'the server did not answer in time'))
      }, SEND_TIMEOUT_MS)
      this.#pending.set(reqId, { resolve: () => resolve(), reject, timer })
      ws.send(encodeSendEphemeral({ reqId, messageId: newMessageId(), groupId, payload }))
    })
  }

  /** Skips the remaining backoff when offline. */
  retryNow(): void {
    if (this.#state !== 'offline' || this.#ws) return
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    this.#attempt = 0
    this.#setState('connecting')
    void this.#open()
  }

  /**
   * Drops the socket (the network failed); the connection retries by itself. It counts as lost at
   * once: with the network gone the closing handshake may not finish for a minute (Chromium
   * holds the socket's traffic while offline), and meanwhile the device would look online.
   */
  drop(): void {
    const ws = this.#ws
    if (!ws) return
    this.#lost(ws, undefined, undefined)
    ws.close()
  }

  close(): void {
    this.#setState('closed')
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    clearTimeout(this.#reauthTimer)
    this.#flushAcks()
    const ws = this.#ws
    this.#ws = undefined
    ws?.close()
    for (const [, p] of this.#pending) {
      clearTimeout(p.timer)
      p.reject(new CandorError('unavailable', 'connection closed'))
    }
    this.#pending.clear()
    for (const f of this.#opened.splice(0)) f(new CandorError('unavailable', 'connection closed'))
  }
}

// The device's WebSocket to the server: sends with per-request acknowledgement, hands each
// delivery over in arrival order (the caller acknowledges it with ack() once it is handled,
// see delivery-queue.ts), and reconnects with jittered exponential backoff. Runtime-neutral:
// it takes a WebSocket factory.
import {
  CandorError,
  decodeServerFrame,
  encodeAck,
  encodeSend,
  type DeliverFrame,
  type GroupId,
  type MessageId,
  type Notice,
} from '@candor/protocol'

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

export interface ConnectionHandlers {
  /** Called for each delivery as it arrives, in queue order; acknowledge it with ack(seq) once handled. */
  onDeliver(f: DeliverFrame): void
  onNotice(n: Notice): void
  onState(state: ConnectionState): void
}
export type ConnectionState = 'connecting' | 'online' | 'offline' | 'closed'

const OPEN = 1
const SEND_TIMEOUT_MS = 15_000
const ACKS_PER_FRAME = 256
/** Acks not yet sent when offline; beyond this the oldest are dropped (the server pushes them again, harmlessly). */
const MAX_UNSENT_ACKS = 4096

export class Connection {
  readonly #url: () => Promise<string>
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
  #opened: Array<() => void> = []

  constructor(url: () => Promise<string>, factory: WebSocketFactory, handlers: ConnectionHandlers) {
    this.#url = url
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
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new CandorError('unavailable', 'not connected to the server')), timeoutMs)
      this.#opened.push(() => {
        clearTimeout(t)
        resolve()
      })
    })
  }

  async #open(): Promise<void> {
    let url: string
    try {
      url = await this.#url()
    } catch (e) {
      if (e instanceof CandorError && (e.code === 'device_revoked' || e.code === 'unknown_device')) {
        this.close()
        return
      }
      this.#scheduleRetry()
      return
    }
    if (this.#state === 'closed') return
    const ws = this.#factory(url)
    ws.binaryType = 'arraybuffer'
    this.#ws = ws
    ws.onopen = () => {
      this.#attempt = 0
      this.#setState('online')
      // Acknowledgements made while offline: the server is pushing those deliveries again.
      this.#flushAcks()
      for (const f of this.#opened.splice(0)) f()
    }
    ws.onmessage = (ev) => this.#onMessage(ev.data)
    ws.onerror = () => {}
    ws.onclose = () => {
      if (this.#ws !== ws) return
      this.#ws = undefined
      for (const [, p] of this.#pending) {
        clearTimeout(p.timer)
        p.reject(new CandorError('unavailable', 'connection lost before the server acknowledged the message'))
      }
      this.#pending.clear()
      if (this.#state !== 'closed') {
        this.#setState('offline')
        this.#scheduleRetry()
      }
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
        this.#h.onNotice(f.notice)
        return
      case 'deliver':
        this.#h.onDeliver(f)
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

  /** Skips the remaining backoff when offline. */
  retryNow(): void {
    if (this.#state !== 'offline' || this.#ws) return
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    this.#attempt = 0
    this.#setState('connecting')
    void this.#open()
  }

  /** Drops the socket (as if the network failed); the connection retries by itself. */
  drop(): void {
    this.#ws?.close()
  }

  close(): void {
    this.#setState('closed')
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    this.#flushAcks()
    const ws = this.#ws
    this.#ws = undefined
    ws?.close()
    for (const [, p] of this.#pending) {
      clearTimeout(p.timer)
      p.reject(new CandorError('unavailable', 'connection closed'))
    }
    this.#pending.clear()
  }
}

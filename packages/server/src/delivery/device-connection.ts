// One authenticated device on one WebSocket. Pushes its queue in order with a bounded window
// of unacknowledged frames (a slow device costs the server at most the window), takes sends
// and acks, and refuses bad frames without changing anything: a request that cannot be served
// is answered, but malformed frames are counted, not answered one by one (the first of a window
// is), and past a small budget the socket is closed — so is one acking seqs it was never sent.
// The session ends when its token expires unless the device re-authenticated on the socket.
import type { WebSocket } from 'ws'
import {
  CandorError,
  CloseCode,
  LIMITS,
  bytesEqual,
  decodeClientFrame,
  EphemeralKind,
  encodeAccepted,
  encodeEphemeral,
  encodeError,
  encodeNotice,
  fromBase64Url,
  type DeviceId,
  type SendEphemeralFrame,
  type SendFrame,
  type SessionEndReason,
} from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import type { SendGate } from '../contacts/contact-gate.ts'
import type { Session } from '../auth/tokens.ts'
import { sessionFromToken } from '../auth/authenticate.ts'
import { SOCKET_BUDGETS } from '../server-limits.ts'
import { closeSocket } from './close-socket.ts'
import { FrameBudget } from './frame-budget.ts'
import type { EarlyFrame } from './socket-auth.ts'
import type { GroupRosterEntry } from './group-roster.ts'
import type { BusDelivery, QueuedMessage } from '@candor/ports'
import { deliverFrame, type Submitted } from './delivery-service.ts'
import { readMlsHeader, WireFormat } from '../mls/mls-header.ts'

const WINDOW_BYTES = 4 * 1024 * 1024
/** setTimeout's longest delay; a later expiry is checked again when this one fires. */
const MAX_TIMER_MS = 2 ** 31 - 1

interface Corkable {
  cork(): void
  uncork(): void
}

// The sockets corked during this turn, uncorked together by one nextTick (not one per socket).
let corked: Array<{ conn: DeviceConnection; socket: Corkable }> = []

function uncorkSoon(conn: DeviceConnection, socket: Corkable): void {
  if (corked.length === 0) process.nextTick(uncorkAll)
  corked.push({ conn, socket })
}

function uncorkAll(): void {
  const list = corked
  corked = []
  for (const { conn, socket } of list) {
    conn.uncorked()
    socket.uncork()
  }
}

function noop(): void {}

/**
 * The `synced` notice, encoded once for every connection: ws sends a server's frames unmasked,
 * as they are, so nothing writes to these bytes (a Buffer, which ws sends without wrapping it).
 */
const SYNCED: Uint8Array = Buffer.from(encodeNotice({ kind: 'synced' }))

export class DeviceConnection {
  readonly #ws: WebSocket
  #session: Session
  readonly #ctx: AppContext
  readonly #inflight = new Map<number, number>()
  #inflightBytes = 0
  #lastPushed = 0
  #fetching = false
  #more = true
  #closed = false
  #corked = false
  #synced = false
  #unsubscribe: (() => void) | undefined
  /**
   * Acks of seqs this socket did not push (the device acknowledges, right behind `auth`, what it
   * processed while offline) until their transaction commits: the queue is read after them, or
   * it would push again what the device just acknowledged.
   */
  #foreignAcks: Promise<void> | undefined
  #expiry: ReturnType<typeof setTimeout> | undefined
  // Made when first spent: most connections never send a bad frame, a foreign ack or a second auth.
  #malformed: FrameBudget | undefined
  #unknownAcks: FrameBudget | undefined
  #reauths: FrameBudget | undefined
  /** Told once the socket has closed (the gateway forgets the connection); one function for every connection. */
  readonly #onClosed: ((conn: DeviceConnection) => void) | undefined

  constructor(ws: WebSocket, session: Session, ctx: AppContext, onClosed?: (conn: DeviceConnection) => void) {
    this.#ws = ws
    this.#session = session
    this.#ctx = ctx
    this.#onClosed = onClosed
  }

  get deviceId(): DeviceId {
    return this.#session.deviceId
  }

  /** `early`: frames that came after the auth frame, before it was checked. */
  start(early: readonly EarlyFrame[] = []): void {
    this.#ctx.metrics.connections.inc()
    this.#unsubscribe = this.#ctx.bus.subscribeDevice(this.#session.deviceId, (d) => this.#onDelivery(d))
    this.#ws.on('message', (data, isBinary) => this.#onFrame(data as Buffer, isBinary))
    // One listener for both: ws emits 'close' after an 'error' too.
    const closed = (): void => {
      this.close()
      this.#onClosed?.(this)
    }
    this.#ws.on('close', closed)
    this.#ws.on('error', closed)
    this.#watchExpiry()
    for (const f of early) this.#onFrame(f.data, f.isBinary)
    void this.#fill()
  }

  /** Drops the socket at once (replaced by a newer connection of the device, server shutdown). */
  close(): void {
    if (!this.#stop()) return
    this.#ws.terminate()
  }

  /**
   * The device's session is over: it is told why (a `session_ended` notice, which it shows the
   * person), then the socket closes with code 4001.
   */
  end(reason: SessionEndReason): void {
    if (this.#closed) return
    this.#send(encodeNotice({ kind: 'session_ended', reason }))
    this.#stop()
    this.#ctx.metrics.connectionsClosed.inc({ reason })
    closeSocket(this.#ws, CloseCode.sessionEnded, reason)
  }

  /** Closes a socket that broke a budget or sent an unusable token; `reason` is an error code. */
  #refuse(code: number, reason: string): void {
    if (!this.#stop()) return
    this.#ctx.metrics.connectionsClosed.inc({ reason })
    closeSocket(this.#ws, code, reason)
  }

  /** Stops everything but the socket itself; false if already stopped. */
  #stop(): boolean {
    if (this.#closed) return false
    this.#closed = true
    clearTimeout(this.#expiry)
    this.#ctx.metrics.connections.dec()
    this.#unsubscribe?.()
    return true
  }

  #watchExpiry(): void {
    clearTimeout(this.#expiry)
    const left = this.#session.expiresAt - Date.now()
    this.#expiry = setTimeout(() => (Date.now() >= this.#session.expiresAt ? this.end('expired') : this.#watchExpiry()), Math.min(Math.max(left, 0), MAX_TIMER_MS))
    this.#expiry.unref()
  }

  /**
   * A fresh token on the open socket keeps the session going past the old token's expiry. It
   * must be this device's and still valid; anything else closes the socket.
   */
  #reauthenticate(token: string): void {
    if (!(this.#reauths ??= new FrameBudget(SOCKET_BUDGETS.reauths, SOCKET_BUDGETS.windowMs)).take()) return this.#refuse(CloseCode.tooManyBadFrames, 'too_many_auth_frames')
    sessionFromToken(this.#ctx, token).then(
      (s) => {
        if (this.#closed) return
        if (s.deviceId !== this.#session.deviceId) return this.#refuse(CloseCode.authRefused, 'forbidden')
        if (s.expiresAt <= this.#session.expiresAt) return
        this.#session = s
        this.#watchExpiry()
      },
      (e: unknown) => {
        if (!(e instanceof CandorError)) this.#ctx.log.error({ err: e }, 're-authentication failed')
        this.#refuse(CloseCode.authRefused, e instanceof CandorError ? e.code : 'internal')
      },
    )
  }

  /**
   * Frames sent in one event-loop turn leave in one write: the socket is corked on the first
   * and uncorked once the turn's synchronous work is done.
   */
  #send(frame: Uint8Array): void {
    if (!this.#corked) {
      const socket = (this.#ws as unknown as { _socket?: Corkable })._socket
      if (socket) {
        this.#corked = true
        socket.cork()
        uncorkSoon(this, socket)
      }
    }
    this.#ws.send(frame)
  }

  /** Called by uncorkSoon once the turn's synchronous work is done. */
  uncorked(): void {
    this.#corked = false
  }

  #full(): boolean {
    return this.#inflight.size >= LIMITS.deliveryWindow || this.#inflightBytes >= WINDOW_BYTES
  }

  #push(seq: number, frame: Uint8Array): void {
    this.#inflight.set(seq, frame.length)
    this.#inflightBytes += frame.length
    this.#lastPushed = seq
    this.#send(frame)
    this.#ctx.metrics.delivered.inc()
  }

  #onDelivery(d: BusDelivery): void {
    if (this.#closed) return
    if (d.seq === 0) {
      // A notice: not queued, not acknowledged.
      this.#send(d.frame)
      return
    }
    if (d.seq <= this.#lastPushed) return
    if (this.#fetching || this.#more || this.#full()) {
      this.#more = true
      return
    }
    if (this.#ctx.store.contiguousSeqs && d.seq !== this.#lastPushed + 1) {
      // A gap: a lower seq of this device is already committed (the store hands seqs out in
      // commit order) but its bus delivery has not arrived — another node published it later,
      // or before this node's subscription was registered. Pushing this one would skip it for
      // good (it would then be dropped as ≤ lastPushed), so read the queue instead: the fetch
      // returns the missing rows and this one, in order. After a fresh connection with an
      // empty queue this costs one fetch, as lastPushed starts at 0.
      this.#more = true
      void this.#fill()
      return
    }
    this.#push(d.seq, d.frame)
  }

  async #fill(): Promise<void> {
    if (this.#fetching || this.#closed) return
    this.#fetching = true
    try {
      while (this.#more && !this.#full() && !this.#closed) {
        this.#more = false
        if (this.#foreignAcks) await this.#foreignAcks
        if (this.#closed) break
        const limit = LIMITS.deliveryWindow - this.#inflight.size
        const rows = await this.#ctx.store.fetchQueue(this.#session.deviceId, this.#lastPushed, limit)
        if (rows.length === limit) this.#more = true
        for (const r of rows) {
          if (r.seq <= this.#lastPushed || this.#closed) continue
          let frame: Uint8Array
          try {
            frame = deliverFrame(r, r.seq)
          } catch (err) {
            this.#setAside(r, err)
            continue
          }
          this.#push(r.seq, frame)
        }
      }
    } catch (e) {
      this.#ctx.log.error({ err: e }, 'queue fetch failed')
      this.close()
    } finally {
      this.#fetching = false
    }
    if (!this.#synced && !this.#more && !this.#closed) {
      // Everything queued when the device connected has been pushed (in order, before this).
      this.#synced = true
      this.#send(SYNCED)
    }
  }

  /**
   * A queue row that cannot be put into a deliver frame would fail every fetch of this queue, so
   * the device would never again receive anything: it is logged (ids and position, never the
   * payload), counted and deleted from this device's queue, and the rows after it flow.
   */
  #setAside(r: QueuedMessage, err: unknown): void {
    const deviceId = this.#session.deviceId
    this.#lastPushed = r.seq
    this.#ctx.metrics.rowsSetAside.inc()
    this.#ctx.log.error(
      { err, deviceId, seq: r.seq, messageId: r.messageId, groupId: r.groupId, sender: r.sender, kind: r.kind },
      'a queue row cannot be encoded into a deliver frame; it is removed from the device queue',
    )
    this.#ctx.store.ack(deviceId, [r.seq]).catch((e: unknown) => this.#ctx.log.error({ err: e, deviceId, seq: r.seq }, 'removing an undeliverable queue row failed'))
  }

  #onFrame(data: Buffer, isBinary: boolean): void {
    if (this.#closed) return
    let frame
    try {
      if (!isBinary) throw new CandorError('malformed_frame', 'frames must be binary')
      frame = decodeClientFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    } catch (e) {
      this.#onMalformed(e)
      return
    }
    if (frame.type === 'ack') this.#onAck(frame.seqs)
    else if (frame.type === 'auth') this.#reauthenticate(frame.token)
    else if (frame.type === 'send_ephemeral') this.#onEphemeral(frame)
    else this.#onSend(frame)
  }

  /**
   * A frame that does not decode has no request to answer. Answering each would make the server
   * an amplifier, so only a window's first is (it tells an honest client what is wrong); past the
   * budget the socket closes.
   */
  #onMalformed(e: unknown): void {
    const code = e instanceof CandorError ? e.code : 'malformed_frame'
    this.#ctx.metrics.rejected.inc({ code })
    const budget = (this.#malformed ??= new FrameBudget(SOCKET_BUDGETS.malformedFrames, SOCKET_BUDGETS.windowMs))
    if (!budget.take()) return this.#refuse(CloseCode.tooManyBadFrames, code)
    if (budget.used === 1) this.#send(encodeError(0, code, e instanceof CandorError ? e.message : 'malformed frame'))
  }

  readonly #ackFailed = (e: unknown): void => this.#ctx.log.error({ err: e }, 'ack failed')

  #onAck(seqs: number[]): void {
    let unknown = 0
    for (const s of seqs) {
      const bytes = this.#inflight.get(s)
      if (bytes !== undefined) {
        this.#inflight.delete(s)
        this.#inflightBytes -= bytes
      } else unknown++
    }
    // Seqs not in flight here are still acked (a device that reconnected may ack what its previous
    // socket was sent: its own queue only), but a flood of them is only database work: bounded.
    if (unknown > 0 && !(this.#unknownAcks ??= new FrameBudget(SOCKET_BUDGETS.unknownAckedSeqs, SOCKET_BUDGETS.windowMs)).take(unknown)) return this.#refuse(CloseCode.tooManyBadFrames, 'unknown_acks')
    const applied = this.#ctx.store.ack(this.#session.deviceId, seqs)
    if (unknown === 0) {
      applied.catch(this.#ackFailed)
    } else {
      const waited = applied.then(noop, this.#ackFailed).then(() => {
        if (this.#foreignAcks === waited) this.#foreignAcks = undefined
      })
      this.#foreignAcks = waited
    }
    if (this.#more && this.#inflight.size <= LIMITS.deliveryWindow / 2) void this.#fill()
  }

  #onSend(f: SendFrame): void {
    try {
      if (!this.#ctx.sendLimiter.take(this.#session.deviceId)) throw new CandorError('rate_limited', 'too many messages; slow down')
      const roster = this.#ctx.roster.cached(f.groupId)
      const gate = this.#ctx.contacts.cached(f.groupId, this.#session.userId)
      if (roster !== undefined && gate !== undefined) return this.#sendTo(f, roster, gate)
      Promise.all([this.#ctx.roster.members(f.groupId), this.#ctx.contacts.forSend(f.groupId, this.#session.userId)]).then(
        ([m, g]) => this.#sendTo(f, m, g),
        (e: unknown) => this.#reject(f.reqId, e),
      )
    } catch (e) {
      this.#reject(f.reqId, e)
    }
  }

  /** Checks the send against the group's roster and hands it to the delivery service. */
  #sendTo(f: SendFrame, roster: GroupRosterEntry | null, gate: SendGate): void {
    const me = this.#session.deviceId
    try {
      if (!roster) throw new CandorError('unknown_group', 'no such group')
      const { members } = roster
      if (!members.has(me)) throw new CandorError('not_member', 'this device is not a member of the group')
      // After a reset the members have moved on (and leave this group): a message here would be
      // "sent" and read by nobody. Refused, so its sender sends it again in the new group (§5.4).
      if (roster.resetBy !== null && roster.resetBy !== me) throw new CandorError('conflict', 'this group was reset: send in the conversation’s new group')
      const h = readMlsHeader(f.payload)
      if (h.wireFormat !== WireFormat.private || h.contentType !== 1) {
        throw new CandorError('invalid_mls_message', 'send carries application messages only; commits go to /commits (members send no proposals)')
      }
      const groupIdBytes = f.groupIdBytes ?? fromBase64Url(f.groupId)!
      if (!bytesEqual(h.groupId, groupIdBytes)) throw new CandorError('invalid_mls_message', 'MLS group id does not match the frame')
      // Users who block the sender get nothing (contacts/contact-gate.ts), and are not told.
      const recipients: DeviceId[] = []
      for (const d of members) if (d !== me && !gate.blockers.has(d)) recipients.push(d)
      const message = { messageId: f.messageId, groupId: f.groupId, sender: me, kind: 0 as const, sentAt: Date.now(), payload: f.payload, recipients }
      const raw = { messageId: f.messageIdBytes, groupId: groupIdBytes }
      // One callback per socket, told the request id: no closures per message on this path.
      if (gate.pending.length === 0) return this.#ctx.delivery.submit(message, this.#stored, raw, f.reqId)
      // Recipients held under a contact request get it when they accept; over a quota, nothing is stored.
      const pending = gate.pending.filter((p) => !p.devices.some((d) => gate.blockers.has(d)))
      this.#ctx.contacts.holdFor(pending, message).then(
        (nowMembers) => {
          for (const d of nowMembers) if (!recipients.includes(d)) recipients.push(d)
          this.#ctx.delivery.submit(message, this.#stored, raw, f.reqId)
        },
        (e: unknown) => this.#reject(f.reqId, e),
      )
    } catch (e) {
      this.#reject(f.reqId, e)
    }
  }

  /**
   * A typing indicator (docs/protocol.md §6): checked against the roster like a send, then
   * handed to the bus as a seq-0 frame — pushed to the member devices connected now, on any
   * node, and never written to the store or any queue. Blockers and devices held behind a
   * contact request get nothing.
   */
  #onEphemeral(f: SendEphemeralFrame): void {
    const relay = (members: ReadonlySet<DeviceId> | null, gate: SendGate): void => {
      try {
        const me = this.#session.deviceId
        if (!members) throw new CandorError('unknown_group', 'no such group')
        if (!members.has(me)) throw new CandorError('not_member', 'this device is not a member of the group')
        const held = new Set(gate.pending.flatMap((p) => p.devices))
        const frame = encodeEphemeral({ kind: EphemeralKind.typing, groupId: f.groupId, sender: me, payload: f.payload })
        const out = []
        for (const d of members) if (d !== me && !gate.blockers.has(d) && !held.has(d)) out.push({ deviceId: d, seq: 0, frame })
        this.#ctx.bus.publish(out)
        if (!this.#closed) this.#send(encodeAccepted(f.reqId, Date.now()))
      } catch (e) {
        this.#reject(f.reqId, e)
      }
    }
    try {
      if (!this.#ctx.sendLimiter.take(this.#session.deviceId)) throw new CandorError('rate_limited', 'too many messages; slow down')
      Promise.all([this.#ctx.roster.members(f.groupId), this.#ctx.contacts.forSend(f.groupId, this.#session.userId)]).then(
        ([m, g]) => relay(m ? m.members : null, g),
        (e: unknown) => this.#reject(f.reqId, e),
      )
    } catch (e) {
      this.#reject(f.reqId, e)
    }
  }

  /** A send of this socket is stored (`accepted`) or failed; `reqId` is its request's. */
  readonly #stored: Submitted = (error, r, reqId) => {
    if (r === undefined) this.#reject(reqId, error)
    else if (!this.#closed) this.#send(encodeAccepted(reqId, r.sentAt))
  }

  #reject(reqId: number, e: unknown): void {
    const err = e instanceof CandorError ? e : new CandorError('internal', 'internal error')
    if (!(e instanceof CandorError)) this.#ctx.log.error({ err: e }, 'send failed')
    this.#ctx.metrics.rejected.inc({ code: err.code })
    if (!this.#closed) this.#send(encodeError(reqId, err.code, err.message))
  }
}

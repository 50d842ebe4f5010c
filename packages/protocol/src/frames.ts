// Binary WebSocket frames of the delivery path. Fixed-layout headers, big-endian, opaque
// payload last so ciphertext is never re-encoded. Ids travel as their 16 raw bytes.
import { toBase64Url } from './bytes.ts'
import { CandorError, isErrorCode, type ErrorCode } from './errors.ts'
import { OPAQUE_ID_BYTES, opaqueIdBytes, type DeviceId, type GroupId, type MessageId } from './ids.ts'
import { LIMITS } from './limits.ts'
import { parseSeq, parseTimestamp } from './number-fields.ts'
import { DIRECTORY_NOTICE_MAX } from './directory-links.ts'

export const FrameType = {
  send: 0x01,
  ack: 0x02,
  auth: 0x03,
  sendEphemeral: 0x04,
  accepted: 0x81,
  error: 0x82,
  deliver: 0x83,
  notice: 0x84,
  ephemeral: 0x85,
} as const

/** Ephemeral kinds (docs/protocol.md §6): relayed to online devices only, never stored. */
export const EphemeralKind = { typing: 0 } as const
export type EphemeralKind = (typeof EphemeralKind)[keyof typeof EphemeralKind]

export const MessageKind = { application: 0, commit: 1, welcome: 2, proposal: 3, report: 4 } as const
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind]

export interface SendFrame {
  type: 'send'
  reqId: number
  messageId: MessageId
  groupId: GroupId
  /** The ids' raw bytes as they came in (decoded frames only). */
  groupIdBytes?: Uint8Array
  messageIdBytes?: Uint8Array
  payload: Uint8Array
}
export interface AckFrame {
  type: 'ack'
  seqs: number[]
}
/** The first frame of every connection, and again before the token expires (re-authentication). */
export interface AuthFrame {
  type: 'auth'
  token: string
}
/** As `send`, but relayed only to member devices online now and never stored (typing). */
export interface SendEphemeralFrame extends Omit<SendFrame, 'type'> {
  type: 'send_ephemeral'
}
export type ClientFrame = SendFrame | AckFrame | AuthFrame | SendEphemeralFrame

export interface AcceptedFrame {
  type: 'accepted'
  reqId: number
  sentAt: number
}
export interface ErrorFrame {
  type: 'error'
  reqId: number
  code: ErrorCode
  message: string
}
export interface DeliverFrame {
  type: 'deliver'
  seq: number
  kind: MessageKind
  messageId: MessageId
  groupId: GroupId
  sentAt: number
  sender: DeviceId
  payload: Uint8Array
}
export interface NoticeFrame {
  type: 'notice'
  notice: Notice
}
/** A relayed ephemeral frame: no seq, never acknowledged, never stored. */
export interface EphemeralFrame {
  type: 'ephemeral'
  kind: EphemeralKind
  groupId: GroupId
  sender: DeviceId
  payload: Uint8Array
}
export type ServerFrame = AcceptedFrame | ErrorFrame | DeliverFrame | NoticeFrame | EphemeralFrame

/** Out-of-band events the server tells a connected device about (a new kind needs its case in parseNotice). */
export type Notice =
  | { kind: 'key_packages_low'; remaining: number }
  | { kind: 'enrolment_request'; requestId: string }
  | { kind: 'device_revoked'; deviceId: string }
  /** The person's recovery key approved a new device of theirs (docs/protocol.md §4.2). */
  | { kind: 'device_recovered'; deviceId: string }
  /** An admin approved a device the person's device `by` had approved and their organisation held (docs/organisations.md, devices.adminApproval). */
  | { kind: 'device_approved'; deviceId: string; by: string }
  | { kind: 'synced' }
  | { kind: 'session_ended'; reason: SessionEndReason }
  /** A stranger's first conversation arrived as a contact request (docs/protocol.md §5.5). */
  | { kind: 'contact_request'; requestId: string; from: string; groupId: string }
  /** One of the user's devices accepted or declined a request. */
  | { kind: 'request_settled'; requestId: string; state: 'accepted' | 'declined' }
  /** The legal holds that apply to the person changed — placed with its notice due, its delayed notice came, or released (docs/protocol.md §6, §11.10): read them again. */
  | { kind: 'legal_holds_changed' }
  /** A linked SCIM group's people changed: a member adds `add` and removes `remove` (docs/protocol.md §5.9). */
  | { kind: 'directory_members'; groupId: string; org: string; scimGroupId: string; displayName: string; add: string[]; remove: string[] }

/** Why the server ended a device's session (the notice `session_ended`, then close code 4001). */
export const SESSION_END_REASONS = ['revoked', 'suspended', 'erased', 'expired', 'logged_out'] as const
export type SessionEndReason = (typeof SESSION_END_REASONS)[number]

export function isSessionEndReason(v: unknown): v is SessionEndReason {
  return typeof v === 'string' && (SESSION_END_REASONS as readonly string[]).includes(v)
}

/**
 * WebSocket close codes of the delivery socket (4000-4999 belong to the application). The close
 * reason carries the error code where there is one (`device_revoked`, `malformed_frame`, …).
 */
export const CloseCode = {
  /** The session ended; a `session_ended` notice naming the reason came just before. */
  sessionEnded: 4001,
  /** The first frame was not an `auth` frame, or none came in time. */
  authRequired: 4002,
  /** The token of an `auth` frame was refused (invalid, expired, another device's, revoked). */
  authRefused: 4003,
  /** Too many malformed frames, or acks of seqs never pushed, in a short time. */
  tooManyBadFrames: 4008,
} as const

/** A session token as it travels in an `auth` frame: `kid.body.mac`, base64url parts. */
const SESSION_TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

const ID_BYTES = OPAQUE_ID_BYTES
const SEND_HEADER = 1 + 4 + ID_BYTES + ID_BYTES
const DELIVER_HEADER = 1 + 8 + 1 + ID_BYTES + ID_BYTES + 8 + ID_BYTES
export const DELIVER_HEADER_BYTES = DELIVER_HEADER
const EPHEMERAL_HEADER = 1 + 1 + ID_BYTES + ID_BYTES

// Group and device ids recur in every frame of a conversation: decode each once. (Message ids
// never recur, so they are decoded without the cache, which they would only churn.)
const idCache = new Map<string, Uint8Array>()
const ID_CACHE_MAX = 50_000

function idBytes(id: string, what: string): Uint8Array {
  const hit = idCache.get(id)
  if (hit) return hit
  const b = opaqueIdBytes(id, what)
  if (idCache.size >= ID_CACHE_MAX) idCache.clear()
  idCache.set(id, b)
  return b
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength)
}

// The per-message frames write their few numbers through one scratch view instead of a new
// DataView per frame (measurable at tens of thousands of frames a second).
const scratch = new DataView(new ArrayBuffer(8))
const scratchBytes = new Uint8Array(scratch.buffer)

function putFloat64(out: Uint8Array, at: number, n: number): void {
  scratch.setFloat64(0, n)
  out.set(scratchBytes, at)
}

function putUint32(out: Uint8Array, at: number, n: number): void {
  out[at] = n >>> 24
  out[at + 1] = (n >>> 16) & 0xff
  out[at + 2] = (n >>> 8) & 0xff
  out[at + 3] = n & 0xff
}

function getUint32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0
}

function malformed(msg: string): CandorError {
  return new CandorError('malformed_frame', msg)
}

/** A field parser's verdict on a frame's field, as malformed_frame. */
function frameField<T>(parse: (v: unknown, field: string) => T, v: unknown, field: string): T {
  try {
    return parse(v, field)
  } catch (e) {
    throw new CandorError('malformed_frame', e instanceof Error ? e.message : String(e), { cause: e })
  }
}

export function encodeSend(f: Omit<SendFrame, 'type' | 'groupIdBytes'>, type: number = FrameType.send): Uint8Array {
  const out = new Uint8Array(SEND_HEADER + f.payload.length)
  const v = view(out)
  out[0] = type
  v.setUint32(1, f.reqId >>> 0)
  out.set(opaqueIdBytes(f.messageId, 'messageId'), 5)
  out.set(idBytes(f.groupId, 'groupId'), 5 + ID_BYTES)
  out.set(f.payload, SEND_HEADER)
  return out
}

export function encodeSendEphemeral(f: Omit<SendEphemeralFrame, 'type' | 'groupIdBytes'>): Uint8Array {
  return encodeSend(f, FrameType.sendEphemeral)
}

export function encodeEphemeral(f: Omit<EphemeralFrame, 'type'>): Uint8Array {
  const out = new Uint8Array(EPHEMERAL_HEADER + f.payload.length)
  out[0] = FrameType.ephemeral
  out[1] = f.kind
  out.set(idBytes(f.groupId, 'groupId'), 2)
  out.set(idBytes(f.sender, 'sender'), 2 + ID_BYTES)
  out.set(f.payload, EPHEMERAL_HEADER)
  return out
}

export function encodeAuth(token: string): Uint8Array {
  const t = new TextEncoder().encode(token)
  const out = new Uint8Array(1 + t.length)
  out[0] = FrameType.auth
  out.set(t, 1)
  return out
}

export function encodeAck(seqs: readonly number[]): Uint8Array {
  const out = new Uint8Array(3 + 8 * seqs.length)
  const v = view(out)
  out[0] = FrameType.ack
  v.setUint16(1, seqs.length)
  seqs.forEach((s, i) => v.setFloat64(3 + 8 * i, s))
  return out
}

/** Parses a client frame; throws CandorError('malformed_frame' | 'frame_too_large'). */
export function decodeClientFrame(b: Uint8Array): ClientFrame {
  if (b.length > LIMITS.wsFrameBytes) throw new CandorError('frame_too_large', `frame exceeds ${LIMITS.wsFrameBytes} bytes`)
  if (b.length < 1) throw malformed('empty frame')
  switch (b[0]) {
    case FrameType.send:
    case FrameType.sendEphemeral: {
      if (b.length < SEND_HEADER + 1) throw malformed('send frame too short')
      const payload = b.subarray(SEND_HEADER)
      const ephemeral = b[0] === FrameType.sendEphemeral
      if (payload.length > (ephemeral ? LIMITS.ephemeralBytes : LIMITS.messageBytes)) throw new CandorError('frame_too_large', 'message payload too large')
      return {
        type: ephemeral ? 'send_ephemeral' : 'send',
        reqId: getUint32(b, 1),
        messageId: toBase64Url(b.subarray(5, 5 + ID_BYTES)) as MessageId,
        groupId: toBase64Url(b.subarray(5 + ID_BYTES, SEND_HEADER)) as GroupId,
        groupIdBytes: b.subarray(5 + ID_BYTES, SEND_HEADER),
        messageIdBytes: b.subarray(5, 5 + ID_BYTES),
        payload,
      }
    }
    case FrameType.ack: {
      if (b.length < 3) throw malformed('ack frame too short')
      const v = view(b)
      const n = v.getUint16(1)
      if (n === 0 || b.length !== 3 + 8 * n) throw malformed('ack frame length does not match its count')
      const seqs: number[] = []
      for (let i = 0; i < n; i++) seqs.push(frameField(parseSeq, v.getFloat64(3 + 8 * i), 'ack seq'))
      return { type: 'ack', seqs }
    }
    case FrameType.auth: {
      const t = b.subarray(1)
      if (t.length === 0 || t.length > LIMITS.sessionTokenBytes) throw malformed(`auth frame must carry a session token of 1-${LIMITS.sessionTokenBytes} bytes`)
      // Tokens are ASCII; anything else cannot be one (and is never decoded as text first).
      const token = String.fromCharCode(...t)
      if (!SESSION_TOKEN.test(token)) throw malformed('auth frame does not carry a session token')
      return { type: 'auth', token }
    }
    default:
      throw malformed(`unknown frame type ${b[0]}`)
  }
}

export function encodeAccepted(reqId: number, sentAt: number): Uint8Array {
  const out = new Uint8Array(13)
  out[0] = FrameType.accepted
  putUint32(out, 1, reqId >>> 0)
  putFloat64(out, 5, sentAt)
  return out
}

export function encodeError(reqId: number, code: ErrorCode, message: string): Uint8Array {
  const c = new TextEncoder().encode(code)
  const m = new TextEncoder().encode(message.slice(0, 500))
  const out = new Uint8Array(6 + c.length + m.length)
  out[0] = FrameType.error
  view(out).setUint32(1, reqId >>> 0)
  out[5] = c.length
  out.set(c, 6)
  out.set(m, 6 + c.length)
  return out
}

/** Raw 16-byte ids where the caller already holds them (e.g. from the send frame). */
export interface DeliverIdBytes {
  messageId?: Uint8Array | undefined
  groupId?: Uint8Array | undefined
}

/** Header of a deliver frame; the server appends the stored payload bytes unchanged. */
export function encodeDeliverHeader(f: Omit<DeliverFrame, 'type' | 'payload'>, payloadLength: number, raw?: DeliverIdBytes): Uint8Array {
  const out = new Uint8Array(DELIVER_HEADER + payloadLength)
  out[0] = FrameType.deliver
  putFloat64(out, 1, f.seq)
  out[9] = f.kind
  out.set(raw?.messageId ?? opaqueIdBytes(f.messageId, 'messageId'), 10)
  out.set(raw?.groupId ?? idBytes(f.groupId, 'groupId'), 10 + ID_BYTES)
  putFloat64(out, 10 + 2 * ID_BYTES, f.sentAt)
  out.set(idBytes(f.sender, 'sender'), 18 + 2 * ID_BYTES)
  return out
}

export function encodeDeliver(f: Omit<DeliverFrame, 'type'>): Uint8Array {
  const out = encodeDeliverHeader(f, f.payload.length)
  out.set(f.payload, DELIVER_HEADER)
  return out
}

export function encodeNotice(n: Notice): Uint8Array {
  const j = new TextEncoder().encode(JSON.stringify(n))
  const out = new Uint8Array(1 + j.length)
  out[0] = FrameType.notice
  out.set(j, 1)
  return out
}

/**
 * A notice's JSON, checked: one of the kinds above with its fields of the right types, nothing
 * else. Handed on unchecked, `null` or a `session_ended` without a reason threw a TypeError in
 * the client's socket handler (found by `npm run fuzz`). A kind this version does not know is
 * malformed too, which a client ignores like any malformed frame.
 */
function parseNotice(v: unknown): Notice {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw malformed('notice must be a JSON object')
  const o = v as Record<string, unknown>
  const only = (...keys: string[]) => {
    if (Object.keys(o).some((k) => k !== 'kind' && !keys.includes(k))) throw malformed(`notice ${String(o.kind)} has a field it does not carry`)
  }
  const text = (k: string): string => {
    const x = o[k]
    if (typeof x !== 'string' || x.length === 0 || x.length > 256) throw malformed(`notice ${String(o.kind)}: ${k} must be a non-empty string`)
    return x
  }
  switch (o.kind) {
    case 'synced':
      only()
      return { kind: 'synced' }
    case 'legal_holds_changed':
      only()
      return { kind: 'legal_holds_changed' }
    case 'directory_members': {
      only('groupId', 'org', 'scimGroupId', 'displayName', 'add', 'remove')
      const list = (k: string): string[] => {
        const x = o[k]
        if (!Array.isArray(x) || x.length > DIRECTORY_NOTICE_MAX || !x.every((u) => typeof u === 'string' && u.length > 0 && u.length <= 256)) {
          throw malformed(`notice directory_members: ${k} must be a list of at most ${DIRECTORY_NOTICE_MAX} user ids`)
        }
        return x as string[]
      }
      return { kind: 'directory_members', groupId: text('groupId'), org: text('org'), scimGroupId: text('scimGroupId'), displayName: text('displayName'), add: list('add'), remove: list('remove') }
    }
    case 'key_packages_low': {
      only('remaining')
      const remaining = o.remaining
      if (typeof remaining !== 'number' || !Number.isSafeInteger(remaining) || remaining < 0) throw malformed('notice key_packages_low: remaining must be a count')
      return { kind: 'key_packages_low', remaining }
    }
    case 'enrolment_request':
      only('requestId')
      return { kind: 'enrolment_request', requestId: text('requestId') }
    case 'device_revoked':
      only('deviceId')
      return { kind: 'device_revoked', deviceId: text('deviceId') }
    case 'device_recovered':
      only('deviceId')
      return { kind: 'device_recovered', deviceId: text('deviceId') }
    case 'device_approved':
      only('deviceId', 'by')
      return { kind: 'device_approved', deviceId: text('deviceId'), by: text('by') }
    case 'contact_request':
      only('requestId', 'from', 'groupId')
      return { kind: 'contact_request', requestId: text('requestId'), from: text('from'), groupId: text('groupId') }
    case 'request_settled': {
      only('requestId', 'state')
      const state = o.state
      if (state !== 'accepted' && state !== 'declined') throw malformed('notice request_settled: state must be accepted or declined')
      return { kind: 'request_settled', requestId: text('requestId'), state }
    }
    case 'session_ended':
      only('reason')
      if (!isSessionEndReason(o.reason)) throw malformed(`notice session_ended: reason must be one of ${SESSION_END_REASONS.join(', ')}`)
      return { kind: 'session_ended', reason: o.reason }
    default:
      throw malformed(`unknown notice kind ${JSON.stringify(o.kind)?.slice(0, 40) ?? 'undefined'}`)
  }
}

/** Parses a server frame (client side); throws CandorError('malformed_frame'). */
export function decodeServerFrame(b: Uint8Array): ServerFrame {
  if (b.length < 1) throw malformed('empty frame')
  const v = view(b)
  switch (b[0]) {
    case FrameType.accepted:
      if (b.length !== 13) throw malformed('accepted frame has the wrong length')
      return { type: 'accepted', reqId: v.getUint32(1), sentAt: frameField(parseTimestamp, v.getFloat64(5), 'sentAt') }
    case FrameType.error: {
      if (b.length < 6) throw malformed('error frame too short')
      const cl = b[5] ?? 0
      const code = new TextDecoder().decode(b.subarray(6, 6 + cl))
      return {
        type: 'error',
        reqId: v.getUint32(1),
        code: isErrorCode(code) ? code : 'internal',
        message: new TextDecoder().decode(b.subarray(6 + cl)),
      }
    }
    case FrameType.deliver: {
      if (b.length < DELIVER_HEADER) throw malformed('deliver frame too short')
      const kind = b[9]
      if (kind !== 0 && kind !== 1 && kind !== 2 && kind !== 3 && kind !== 4) throw malformed('unknown message kind')
      return {
        type: 'deliver',
        seq: frameField(parseSeq, v.getFloat64(1), 'seq'),
        kind,
        messageId: toBase64Url(b.subarray(10, 10 + ID_BYTES)) as MessageId,
        groupId: toBase64Url(b.subarray(10 + ID_BYTES, 10 + 2 * ID_BYTES)) as GroupId,
        sentAt: frameField(parseTimestamp, v.getFloat64(10 + 2 * ID_BYTES), 'sentAt'),
        sender: toBase64Url(b.subarray(18 + 2 * ID_BYTES, DELIVER_HEADER)) as DeviceId,
        payload: b.subarray(DELIVER_HEADER),
      }
    }
    case FrameType.ephemeral: {
      if (b.length < EPHEMERAL_HEADER + 1) throw malformed('ephemeral frame too short')
      if (b[1] !== EphemeralKind.typing) throw malformed('unknown ephemeral kind')
      return {
        type: 'ephemeral',
        kind: b[1],
        groupId: toBase64Url(b.subarray(2, 2 + ID_BYTES)) as GroupId,
        sender: toBase64Url(b.subarray(2 + ID_BYTES, EPHEMERAL_HEADER)) as DeviceId,
        payload: b.subarray(EPHEMERAL_HEADER),
      }
    }
    case FrameType.notice: {
      let json: unknown
      try {
        json = JSON.parse(new TextDecoder().decode(b.subarray(1)))
      } catch (e) {
        throw new CandorError('malformed_frame', 'notice is not JSON', { cause: e })
      }
      return { type: 'notice', notice: parseNotice(json) }
    }
    default:
      throw malformed(`unknown frame type ${b[0]}`)
  }
}

// What the tabs of one browser say to each other on the `candor-tabs` BroadcastChannel. One tab
// (the leader, holding the `candor-device` Web Lock) runs the device's SDK client and its one
// connection; the others (followers) call it and hear its events. Everything here is
// structured-cloned within this browser's origin: no other origin, and no server, sees it.
import { CandorError, type ErrorCode } from '@candor/protocol'
import type { CandorClient, ConnectionState } from '@candor/sdk'

type ConversationInfo = ReturnType<CandorClient['features']['info']>
type Thumbnail = ReturnType<CandorClient['avatarOf']>

export const CHANNEL = 'candor-tabs'
export const DEVICE_LOCK = 'candor-device'

/** What a follower reads synchronously from the client, as the leader last saw it. */
export interface Mirror {
  userId: string
  deviceId: string
  status: 'active' | 'pending'
  connectionState: ConnectionState
  conversations: Array<{ id: string; status: string; members: string[]; epoch: number; timer: number | null }>
  /** Display names of the members of those conversations and of this person (null: none set). */
  names: Record<string, string | null>
  /** Their pictures' thumbnails, as `avatarOf` answers (null: none). */
  avatars: Record<string, Thumbnail>
  info: Record<string, ConversationInfo>
  typing: Record<string, string[]>
  readReceipts: boolean
}

export interface WireError {
  message: string
  code?: string
  details?: Record<string, unknown>
}

/**
 * A call's argument: as given, except that callbacks (run in the follower; their index) and
 * streams (read into a Blob) are replaced, also inside plain objects and arrays.
 */
export type WireArg = unknown

export type TabMessage =
  /** A follower asks whether a leader is ready; the leader answers `ready` to everyone. */
  | { t: 'hello'; from: string }
  | { t: 'ready'; mirror: Mirror }
  /** The leader's client emitted an event; `mirror` is the state right after it. */
  | { t: 'event'; name: string; payload: unknown; mirror: Mirror }
  | { t: 'call'; from: string; id: number; path: string[]; args: WireArg[] }
  | { t: 'callback'; to: string; id: number; index: number; args: unknown[] }
  | { t: 'result'; to: string; id: number; ok: true; value: unknown; mirror: Mirror }
  | { t: 'result'; to: string; id: number; ok: false; error: WireError; mirror: Mirror }

export function toWireError(e: unknown): WireError {
  if (e instanceof CandorError) return { message: e.message, code: e.code, ...(e.details ? { details: { ...e.details } } : {}) }
  return { message: e instanceof Error ? e.message : String(e) }
}

export function fromWireError(e: WireError): Error {
  return e.code ? new CandorError(e.code as ErrorCode, e.message, e.details ? { details: e.details } : undefined) : new Error(e.message)
}

/** An event payload made cloneable: an `error` field that is an Error goes as a WireError, rebuilt on arrival. */
export function toWirePayload(name: string, payload: unknown): unknown {
  if (name === 'error' && payload && typeof payload === 'object' && 'error' in payload) {
    return { ...(payload as object), error: { $error: toWireError((payload as { error: unknown }).error) } }
  }
  return payload
}

export function fromWirePayload(name: string, payload: unknown): unknown {
  if (name === 'error' && payload && typeof payload === 'object') {
    const e = (payload as { error?: { $error?: WireError } }).error
    if (e?.$error) return { ...(payload as object), error: fromWireError(e.$error) }
  }
  return payload
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)
}

/** The Blob (a File) each stream made by blobStream reads, so another tab is handed the Blob itself. */
const streamSources = new WeakMap<ReadableStream, Blob>()

/**
 * `blob.stream()`, remembered as that Blob's: passed to the leading tab, it goes as the Blob (a
 * reference to the browser's copy of the file, cloned without reading it), which the leader
 * streams from — a following tab does not read the whole file into memory first.
 */
export function blobStream(blob: Blob): ReadableStream<Uint8Array> {
  const stream = blob.stream() as ReadableStream<Uint8Array>
  streamSources.set(stream, blob)
  return stream
}

/** Makes a call's arguments cloneable; `callbacks` collects the functions, in order. */
export async function toWireArg(v: unknown, callbacks: Array<(...a: unknown[]) => unknown>): Promise<WireArg> {
  if (typeof v === 'function') return { $callback: callbacks.push(v as (...a: unknown[]) => unknown) - 1 }
  if (typeof ReadableStream !== 'undefined' && v instanceof ReadableStream) {
    // A file's own stream goes as the file; any other stream is read here (a channel cannot carry one).
    const source = streamSources.get(v)
    if (source && !v.locked) return { $stream: source }
    return { $stream: await new Response(v).blob() }
  }
  if (Array.isArray(v)) return Promise.all(v.map((x) => toWireArg(x, callbacks)))
  if (isPlain(v)) {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) out[k] = await toWireArg(x, callbacks)
    return out
  }
  return v
}

/** The leader's side of toWireArg: `callback(i)` is the function that runs the follower's callback i. */
export function fromWireArg(v: WireArg, callback: (index: number) => (...a: unknown[]) => void): unknown {
  if (Array.isArray(v)) return v.map((x) => fromWireArg(x, callback))
  if (isPlain(v)) {
    const keys = Object.keys(v)
    if (keys.length === 1 && keys[0] === '$callback' && typeof v.$callback === 'number') return callback(v.$callback)
    if (keys.length === 1 && keys[0] === '$stream' && v.$stream instanceof Blob) return v.$stream.stream()
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) out[k] = fromWireArg(x, callback)
    return out
  }
  return v
}

export function newTabId(): string {
  return crypto.randomUUID()
}

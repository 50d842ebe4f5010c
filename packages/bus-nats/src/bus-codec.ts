// Binary payloads on the bus. A delivery is its seq (8 bytes, big-endian) then the complete
// deliver frame, so the receiving node forwards the frame without re-encoding it.
import { fromUtf8, isDeviceId, isSessionEndReason, isUserId, utf8, type DeviceId, type GroupId, type SessionEndReason, type UserId } from '@candor/protocol'
import type { BusDelivery } from '@candor/ports'

const SEQ_BYTES = 8

export function encodeDelivery(d: BusDelivery): Uint8Array {
  const out = new Uint8Array(SEQ_BYTES + d.frame.length)
  new DataView(out.buffer).setBigUint64(0, BigInt(d.seq))
  out.set(d.frame, SEQ_BYTES)
  return out
}

/** Null for a payload too short to be a delivery (never thrown: it came off the network). */
export function decodeDelivery(deviceId: DeviceId, data: Uint8Array): BusDelivery | null {
  if (data.length < SEQ_BYTES) return null
  const seq = Number(new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(0))
  // A copy: the frame may be queued on a socket after the client reuses its read buffer.
  return { deviceId, seq, frame: new Uint8Array(data.subarray(SEQ_BYTES)) }
}

/** `<origin node id>\n<group id>`: receivers skip their own announcements. */
export function encodeGroupChanged(origin: string, groupId: GroupId): Uint8Array {
  return utf8(`${origin}\n${groupId}`)
}

export function decodeGroupChanged(data: Uint8Array): { origin: string; groupId: GroupId } | null {
  try {
    const s = fromUtf8(data)
    const nl = s.indexOf('\n')
    if (nl < 0) return null
    return { origin: s.slice(0, nl), groupId: s.slice(nl + 1) as GroupId }
  } catch {
    return null
  }
}

/** `<origin node id>\n<user id>`: a block of this user was made or lifted. */
export function encodeBlocksChanged(origin: string, blocked: UserId): Uint8Array {
  return utf8(`${origin}\n${blocked}`)
}

/** Null unless it names a canonical user id. */
export function decodeBlocksChanged(data: Uint8Array): { origin: string; blocked: UserId } | null {
  let s: string
  try {
    s = fromUtf8(data)
  } catch {
    return null
  }
  const nl = s.indexOf('\n')
  if (nl < 0) return null
  const blocked = s.slice(nl + 1)
  return isUserId(blocked) ? { origin: s.slice(0, nl), blocked } : null
}

/** `<origin node id>\n<reason>\n<device id> <device id> …`. */
export function encodeSessionEnded(origin: string, deviceIds: readonly DeviceId[], reason: SessionEndReason): Uint8Array {
  return utf8(`${origin}\n${reason}\n${deviceIds.join(' ')}`)
}

/**
 * Null unless every part is well formed (a known reason, canonical device ids): a message from
 * the network never closes sockets on a guess.
 */
export function decodeSessionEnded(data: Uint8Array): { origin: string; reason: SessionEndReason; deviceIds: DeviceId[] } | null {
  let s: string
  try {
    s = fromUtf8(data)
  } catch {
    return null
  }
  const [origin, reason, ids, ...rest] = s.split('\n')
  if (origin === undefined || ids === undefined || rest.length > 0 || !isSessionEndReason(reason)) return null
  const deviceIds = ids.split(' ')
  if (!deviceIds.every(isDeviceId)) return null
  return { origin, reason, deviceIds }
}

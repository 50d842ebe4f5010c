// Reads the plaintext header of an MLS message (RFC 9420 §6: version, wire format, and for
// PrivateMessage/PublicMessage the group id and epoch) without decrypting or fully decoding
// it, so the delivery path can check routing facts cheaply on every message.
import { CandorError } from '@candor/protocol'

export const WireFormat = { public: 1, private: 2, welcome: 3, groupInfo: 4, keyPackage: 5 } as const

export interface MlsHeader {
  wireFormat: number
  groupId: Uint8Array
  epoch: number
  /** PrivateMessage only: 1 application, 2 proposal, 3 commit. */
  contentType: number | undefined
}

function varint(b: Uint8Array, o: number): [value: number, next: number] {
  const first = b[o]
  if (first === undefined) throw new Error('truncated')
  const prefix = first >> 6
  if (prefix === 0) return [first & 0x3f, o + 1]
  if (prefix === 1) {
    const second = b[o + 1]
    if (second === undefined) throw new Error('truncated')
    return [((first & 0x3f) << 8) | second, o + 2]
  }
  if (prefix === 2) {
    if (o + 4 > b.length) throw new Error('truncated')
    return [(((first & 0x3f) << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0, o + 4]
  }
  throw new Error('invalid varint')
}

/** Parses the header of a framed group message; throws CandorError('invalid_mls_message'). */
export function readMlsHeader(b: Uint8Array): MlsHeader {
  try {
    if (b.length < 4 || b[0] !== 0 || b[1] !== 1) throw new Error('not MLS 1.0')
    const wireFormat = (b[2]! << 8) | b[3]!
    if (wireFormat !== WireFormat.public && wireFormat !== WireFormat.private) throw new Error('not a group message')
    const [len, o] = varint(b, 4)
    if (len > 255 || o + len + 8 > b.length) throw new Error('bad group id')
    const groupId = b.subarray(o, o + len)
    const v = new DataView(b.buffer, b.byteOffset + o + len, 8)
    const epoch = Number(v.getBigUint64(0))
    const contentType = wireFormat === WireFormat.private ? b[o + len + 8] : undefined
    return { wireFormat, groupId, epoch, contentType }
  } catch (e) {
    throw new CandorError('invalid_mls_message', `not a valid MLS group message: ${(e as Error).message}`, { cause: e })
  }
}

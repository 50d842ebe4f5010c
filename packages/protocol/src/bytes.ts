// Byte helpers shared by client and server. Base64url without padding is the one text form
// of binary values on the wire (ids, keys, MLS messages in JSON bodies).
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function utf8(s: string): Uint8Array {
  return encoder.encode(s)
}

/** Decodes UTF-8, throwing on invalid sequences (callers at boundaries catch and map). */
export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b)
}

const B64URL = /^[A-Za-z0-9_-]*$/

// Node's Buffer does base64url natively and far faster; browsers take the portable path.
const NodeBuffer = (
  globalThis as {
    Buffer?: {
      from(b: ArrayBufferLike, o: number, l: number): { toString(e: string): string }
      from(s: string, e: string): Uint8Array
    }
  }
).Buffer

export function toBase64Url(b: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url')
  let s = ''
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000))
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Returns null for anything that is not canonical unpadded base64url. */
export function fromBase64Url(s: string): Uint8Array | null {
  if (typeof s !== 'string' || !B64URL.test(s) || s.length % 4 === 1) return null
  if (NodeBuffer) {
    const b = NodeBuffer.from(s, 'base64url')
    const out = new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
    return toBase64Url(out) === s ? out : null
  }
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4))
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return toBase64Url(out) === s ? out : null
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n)
  globalThis.crypto.getRandomValues(b)
  return b
}

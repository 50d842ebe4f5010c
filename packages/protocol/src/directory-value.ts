// What the key directory maps a user id to: the user's active devices, each with the
// signature that enrolled it (its own registration for the first device, an existing device's
// approval for the others). Encoded as RFC 8785 canonical JSON so every party hashes the same bytes.
import canonicalize from 'canonicalize'
import { fromBase64Url, fromUtf8, utf8 } from './bytes.ts'

export interface DirectoryDevice {
  /** Device id (derived from the key). */
  id: string
  /** Ed25519 public key, base64url. */
  key: string
  /** The device whose signature enrolled this one; itself for the first device. */
  by: string
  /** That device's public key, base64url (the approver may be revoked later). */
  byKey: string
  /** base64url Ed25519 signature over registrationStatement or approvalStatement. */
  sig: string
}

export interface DirectoryValue {
  v: 1
  devices: DirectoryDevice[]
}

export function encodeDirectoryValue(value: DirectoryValue): Uint8Array {
  const sorted: DirectoryValue = { v: 1, devices: [...value.devices].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) }
  return utf8(canonicalize(sorted) ?? '')
}

/** Null unless the bytes are exactly the canonical encoding of a well-formed value. */
export function decodeDirectoryValue(bytes: Uint8Array): DirectoryValue | null {
  try {
    const o = JSON.parse(fromUtf8(bytes)) as DirectoryValue
    if (o?.v !== 1 || !Array.isArray(o.devices)) return null
    for (const d of o.devices) {
      if (typeof d !== 'object' || d === null) return null
      if (typeof d.id !== 'string' || typeof d.by !== 'string') return null
      if (fromBase64Url(d.key)?.length !== 32 || fromBase64Url(d.byKey)?.length !== 32 || fromBase64Url(d.sig)?.length !== 64) return null
    }
    const again = encodeDirectoryValue(o)
    if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) return null
    return o
  } catch {
    return null
  }
}

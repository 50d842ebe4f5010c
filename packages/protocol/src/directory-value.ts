// What the key directory maps a user id to (docs/protocol.md §3): the user's active devices,
// each with the signature that enrolled it (its own registration for the first device, an
// existing device's approval for the others), and from version 2 what kind of account it is,
// its organisation and the commitment to its access receipts. Encoded as RFC 8785 canonical
// JSON so every party hashes the same bytes; readers accept versions 1 and 2, writers write 2.
import canonicalize from 'canonicalize'
import { fromBase64Url, fromUtf8, utf8 } from './bytes.ts'
import { isOrgId } from './ids.ts'

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

/**
 * The person's recovery key (docs/protocol.md §4.2) and the statement that set it: `by` (an
 * active device of theirs, key `byKey`) signed recoveryKeyStatement(user, by, key, prev).
 */
export interface DirectoryRecovery {
  /** Ed25519 public key of the recovery key, base64url. */
  key: string
  /** The recovery key this one replaced, absent for the first. */
  prev?: string
  by: string
  byKey: string
  sig: string
}

export const DIRECTORY_KINDS = ['person', 'bot', 'archive'] as const
export type DirectoryKind = (typeof DIRECTORY_KINDS)[number]

/** Who the organisation's identity provider said the user is at their last sign-in. */
export interface DirectoryIdp {
  issuer: string
  subject: string
  email: string
}

export interface DirectoryValueV1 {
  v: 1
  devices: DirectoryDevice[]
}

export interface DirectoryValueV2 {
  v: 2
  kind: DirectoryKind
  /** The user's organisation, null for a guest. */
  org: string | null
  idp?: DirectoryIdp
  /** The person's recovery key, with the device statement that set it. */
  recovery?: DirectoryRecovery
  devices: DirectoryDevice[]
  /** Commitment to the person's access receipts (receiptsCommitment), base64url of 32 bytes. */
  receipts?: string
}

export type DirectoryValue = DirectoryValueV1 | DirectoryValueV2

/** Any version as a reader sees it: v1 entries take the defaults §3 gives them. */
export interface DirectoryEntry {
  kind: DirectoryKind
  org: string | null
  idp: DirectoryIdp | null
  recovery: DirectoryRecovery | null
  devices: DirectoryDevice[]
  receipts: string | null
}

function byId(devices: readonly DirectoryDevice[]): DirectoryDevice[] {
  return devices
    .map((d) => ({ id: d.id, key: d.key, by: d.by, byKey: d.byKey, sig: d.sig }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** The canonical form: devices sorted by id, absent optional fields left out, nothing else kept. */
function canonical(value: DirectoryValue): DirectoryValue {
  if (value.v === 1) return { v: 1, devices: byId(value.devices) }
  const out: DirectoryValueV2 = { v: 2, kind: value.kind, org: value.org, devices: byId(value.devices) }
  if (value.idp !== undefined) out.idp = { issuer: value.idp.issuer, subject: value.idp.subject, email: value.idp.email }
  if (value.recovery !== undefined) {
    const r = value.recovery
    out.recovery = { key: r.key, ...(r.prev !== undefined ? { prev: r.prev } : {}), by: r.by, byKey: r.byKey, sig: r.sig }
  }
  if (value.receipts !== undefined) out.receipts = value.receipts
  return out
}

export function encodeDirectoryValue(value: DirectoryValue): Uint8Array {
  return utf8(canonicalize(canonical(value)) ?? '')
}

function isText(s: unknown, max: number): s is string {
  return typeof s === 'string' && s.length >= 1 && s.length <= max
}

function wellFormed(o: DirectoryValue): boolean {
  if (!Array.isArray(o.devices)) return false
  for (const d of o.devices as unknown[]) {
    if (typeof d !== 'object' || d === null) return false
    const x = d as DirectoryDevice
    if (typeof x.id !== 'string' || typeof x.by !== 'string') return false
    if (fromBase64Url(x.key)?.length !== 32 || fromBase64Url(x.byKey)?.length !== 32 || fromBase64Url(x.sig)?.length !== 64) return false
  }
  if (o.v === 1) return true
  if (!DIRECTORY_KINDS.includes(o.kind)) return false
  if (o.org !== null && !isOrgId(o.org)) return false
  if (o.idp !== undefined) {
    const idp = o.idp as unknown
    if (typeof idp !== 'object' || idp === null) return false
    const { issuer, subject, email } = idp as DirectoryIdp
    if (!isText(issuer, 512) || !isText(subject, 256) || !isText(email, 254)) return false
  }
  if (o.recovery !== undefined) {
    const r = o.recovery as unknown
    if (typeof r !== 'object' || r === null) return false
    const { key, prev, by, byKey, sig } = r as DirectoryRecovery
    if (fromBase64Url(key)?.length !== 32 || fromBase64Url(byKey)?.length !== 32 || fromBase64Url(sig)?.length !== 64 || !isText(by, 64)) return false
    if (prev !== undefined && fromBase64Url(prev)?.length !== 32) return false
  }
  if (o.receipts !== undefined && fromBase64Url(o.receipts)?.length !== 32) return false
  return true
}

/** Null unless the bytes are exactly the canonical encoding of a well-formed value of a known version. */
export function decodeDirectoryValue(bytes: Uint8Array): DirectoryValue | null {
  try {
    const o = JSON.parse(fromUtf8(bytes)) as DirectoryValue
    if (typeof o !== 'object' || o === null || (o.v !== 1 && o.v !== 2) || !wellFormed(o)) return null
    // Re-encoding keeps only known fields in canonical order, so anything else fails here.
    const again = encodeDirectoryValue(o)
    if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) return null
    return o
  } catch {
    return null
  }
}

/** The entry with every field present: a v1 entry is a person, of no organisation, with no IdP, recovery key or receipt commitment. */
export function directoryEntry(value: DirectoryValue): DirectoryEntry {
  if (value.v === 1) return { kind: 'person', org: null, idp: null, recovery: null, devices: value.devices, receipts: null }
  return {
    kind: value.kind,
    org: value.org,
    idp: value.idp ?? null,
    recovery: value.recovery ?? null,
    devices: value.devices,
    receipts: value.receipts ?? null,
  }
}

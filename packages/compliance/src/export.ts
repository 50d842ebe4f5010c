// The eDiscovery export of one case (docs/protocol.md §11.8): one RFC 5322 message (.eml) per
// archive record, the same records as JSON Lines, the attachments alongside, and a manifest with
// the SHA-256 of every file, signed with the export key (Ed25519, derived from the archive key:
// only k officers together can sign). The signature is then logged in the organisation's audit
// trail (`compliance.export`), and that entry, with its inclusion proof, is saved as
// audit-entry.json beside the manifest. Pure: returns the files; the CLI writes them.
import canonicalize from 'canonicalize'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { toBase64Url, utf8 } from '@candor/protocol'
import { exportSeed } from './officer-shares.ts'
import type { UnlockScope } from './unlock.ts'

export const MANIFEST = 'manifest.json'
export const MANIFEST_SIG = 'manifest.sig'
export const AUDIT_ENTRY = 'audit-entry.json'
/** Files of an export that the manifest does not list (it cannot list itself or what comes after it). */
export const UNLISTED = [MANIFEST, MANIFEST_SIG, AUDIT_ENTRY] as const

/** The fields of an archive record an export uses (docs/protocol.md §11.4; ArchiveRecord fits). */
export interface ExportableRecord {
  id: string
  kind: string
  conversation: string
  sender: { user: string; device: string }
  sentAt: number
  receivedAt: number
  messageId: string
  target?: string
  text?: string
  attachments?: readonly { blob: string; name: string; mediaType: string; size: number; sha256: string }[]
}

export interface ExportManifest {
  v: 1
  kind: 'candor-ediscovery-export'
  org: string
  /** The unlock request this export answers. */
  request: string
  case: string
  why: string
  scope: UnlockScope
  keyVersion: number
  /** The export key (Ed25519, base64url) the manifest is signed with. */
  exportKey: string
  createdAt: number
  records: number
  files: { path: string; sha256: string; size: number }[]
}

export interface BuiltExport {
  files: Map<string, Uint8Array>
  manifest: ExportManifest
  /** Ed25519 signature over manifest.json's bytes, base64url (also the content of manifest.sig). */
  signature: string
  /** SHA-256 of manifest.json's bytes, base64url. */
  manifestSha256: string
}

const CRLF = '\r\n'

/** Standard base64 with padding (RFC 4648 §4), as MIME wants. */
function toBase64(b: Uint8Array): string {
  const u = toBase64Url(b).replace(/-/g, '+').replace(/_/g, '/')
  return u + '='.repeat((4 - (u.length % 4)) % 4)
}

/** RFC 5322 date-time in UTC. */
function rfc5322Date(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000')
}

/** A header value with no line breaks or non-ASCII (RFC 2047 encoded-word when needed). */
function headerValue(v: string): string {
  const flat = v.replace(/[\r\n]+/g, ' ')
  return /^[\x20-\x7e]*$/.test(flat) ? flat : `=?utf-8?B?${toBase64(utf8(flat))}?=`
}

/** An addr-spec for a user id: user ids with an @ are addresses already; others get an .invalid domain (RFC 6761). */
function address(user: string): string {
  return /^[^@\s<>]+@[^@\s<>]+$/.test(user) ? user : `${user.replace(/[^A-Za-z0-9._-]/g, '_')}@candor.invalid`
}

function wrap76(s: string): string {
  return s.replace(/.{1,76}/g, (l) => l + CRLF)
}

export function attachmentPath(r: ExportableRecord, i: number, name: string): string {
  return `attachments/${r.id}-${i}-${name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || 'file'}`
}

/** One record as an RFC 5322 message with the conversation and sender headers. */
export function toEml(r: ExportableRecord, org: string, caseRef: string): string {
  const body = r.kind === 'delete' ? `(deleted message ${r.target ?? ''})` : (r.text ?? '')
  const headers = [
    `From: ${address(r.sender.user)}`,
    'To: undisclosed-recipients:;',
    `Date: ${rfc5322Date(r.sentAt)}`,
    `Message-ID: <${r.messageId}@candor.invalid>`,
    ...(r.target ? [`In-Reply-To: <${r.target}@candor.invalid>`] : []),
    `Subject: ${headerValue(`[${caseRef}] conversation ${r.conversation}`)}`,
    `X-Candor-Organisation: ${headerValue(org)}`,
    `X-Candor-Conversation: ${r.conversation}`,
    `X-Candor-Sender-User: ${headerValue(r.sender.user)}`,
    `X-Candor-Sender-Device: ${r.sender.device}`,
    `X-Candor-Record: ${r.id}`,
    `X-Candor-Kind: ${r.kind}`,
    `X-Candor-Received: ${rfc5322Date(r.receivedAt)}`,
    ...(r.attachments ?? []).map((a, i) => `X-Candor-Attachment: ${attachmentPath(r, i, a.name)}; sha256=${a.sha256}`),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
  ]
  return headers.join(CRLF) + CRLF + CRLF + wrap76(toBase64(utf8(body)))
}

/** One JSON Lines line: the record without attachment keys (the files are alongside; `included`: whether this one is). */
function jsonLine(r: ExportableRecord, included: (i: number) => boolean): string {
  const { attachments, ...rest } = r as ExportableRecord & Record<string, unknown>
  delete (rest as Record<string, unknown>).content
  const files = (attachments ?? []).map((a, i) => ({ name: a.name, mediaType: a.mediaType, size: a.size, sha256: a.sha256, path: attachmentPath(r, i, a.name), included: included(i) }))
  return canonicalize({ ...rest, ...(files.length > 0 ? { attachments: files } : {}) })!
}

/**
 * Builds the export of `records` (already filtered to the case's scope, in order) signed with the
 * export key derived from the archive private key. `attachmentBytes(record, index)` gives a
 * decrypted attachment, or null when it could not be fetched (then it is listed, not included).
 */
export function buildExport(opts: {
  archivePrivateKey: Uint8Array
  org: string
  request: string
  case: string
  why: string
  scope: UnlockScope
  keyVersion: number
  records: readonly ExportableRecord[]
  attachmentBytes?: (r: ExportableRecord, i: number) => Uint8Array | null
  createdAt: number
}): BuiltExport {
  const files = new Map<string, Uint8Array>()
  const sorted = [...opts.records].sort((a, b) => a.sentAt - b.sentAt || a.id.localeCompare(b.id))
  const lines: string[] = []
  sorted.forEach((r, n) => {
    files.set(`messages/${String(n + 1).padStart(6, '0')}-${r.id}.eml`, utf8(toEml(r, opts.org, opts.case)))
    const included = new Set<number>()
    r.attachments?.forEach((a, i) => {
      const bytes = opts.attachmentBytes?.(r, i) ?? null
      if (bytes) {
        files.set(attachmentPath(r, i, a.name), bytes)
        included.add(i)
      }
    })
    lines.push(jsonLine(r, (i) => included.has(i)) + '\n')
  })
  files.set('messages.jsonl', utf8(lines.join('')))
  const seed = exportSeed(opts.archivePrivateKey)
  const manifest: ExportManifest = {
    v: 1,
    kind: 'candor-ediscovery-export',
    org: opts.org,
    request: opts.request,
    case: opts.case,
    why: opts.why,
    scope: opts.scope,
    keyVersion: opts.keyVersion,
    exportKey: toBase64Url(ed25519.getPublicKey(seed)),
    createdAt: opts.createdAt,
    records: sorted.length,
    files: [...files.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([path, bytes]) => ({ path, sha256: toBase64Url(sha256(bytes)), size: bytes.length })),
  }
  const manifestBytes = utf8(JSON.stringify(manifest, null, 2) + '\n')
  const signature = toBase64Url(ed25519.sign(manifestBytes, seed))
  seed.fill(0)
  files.set(MANIFEST, manifestBytes)
  files.set(MANIFEST_SIG, utf8(signature + '\n'))
  return { files, manifest, signature, manifestSha256: toBase64Url(sha256(manifestBytes)) }
}

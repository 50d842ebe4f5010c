// Checks an eDiscovery export's chain of custody (docs/protocol.md §11.8), as `candor verify-export`
// does: the manifest's Ed25519 signature by the export key; every file's SHA-256 against the
// manifest, no file missing and none added; and the organisation's audit-trail entry that logged
// this very signature (same manifest hash, same export key, same request), proven in the trail by
// an inclusion proof against a checkpoint signed by the server's access-log key — pinned when the
// verifier passes it. Each failure is one clear sentence naming the file or field.
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { fromBase64Url, fromUtf8, orgAuditOrigin, toBase64Url, utf8 } from '@candor/protocol'
import { SIG_TYPE_ED25519, formatVerifierKey, merkleLeafHash, noteVerifierFromKey, openCheckpoint, parseVerifierKey, verifyInclusion } from '@candor/transparency'
import { AUDIT_ENTRY, MANIFEST, MANIFEST_SIG, UNLISTED, type ExportManifest } from './export.ts'

export class ExportVerifyError extends Error {
  override name = 'ExportVerifyError'
}

/** audit-entry.json: the trail entry that logged the export, and its proof. */
export interface ExportAuditProof {
  org: string
  index: number
  /** The entry's exact text, as logged. */
  entry: string
  proof: string[]
  /** A signed checkpoint of the organisation's trail that holds the entry. */
  checkpoint: string
  /** The trail's verifier key as the server named it (used only when no access-log key is pinned). */
  verifierKey: string
}

export interface VerifiedExport {
  manifest: ExportManifest
  files: number
  /** Attachment files in the export (each the file its message names), and those the archive did not have. */
  attachments: { included: number; missing: number }
  auditIndex: number
  /** Whether the trail's checkpoint was checked against a pinned access-log key (else against the key it names). */
  pinned: boolean
}

const fail = (m: string) => new ExportVerifyError(m)

function json(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(fromUtf8(bytes))
  } catch {
    throw fail(`${what} is not JSON`)
  }
}

/** `files`: every file of the export folder by relative path ('/' separators). `logKey`: the pinned access-log verifier key. */
export function verifyEdiscoveryExport(files: ReadonlyMap<string, Uint8Array>, opts: { logKey?: string; auditVerifierKey?: string } = {}): VerifiedExport {
  const manifestBytes = files.get(MANIFEST)
  if (!manifestBytes) throw fail(`${MANIFEST} is missing: this is not an eDiscovery export`)
  const manifest = json(manifestBytes, MANIFEST) as ExportManifest
  if (manifest?.kind !== 'candor-ediscovery-export' || manifest.v !== 1 || !Array.isArray(manifest.files)) throw fail(`${MANIFEST} is not a version 1 eDiscovery manifest`)
  const sigText = files.get(MANIFEST_SIG)
  if (!sigText) throw fail(`${MANIFEST_SIG} is missing: the manifest is unsigned`)
  const signature = fromUtf8(sigText).trim()
  const sig = fromBase64Url(signature)
  const exportKey = typeof manifest.exportKey === 'string' ? fromBase64Url(manifest.exportKey) : null
  if (!exportKey || exportKey.length !== 32) throw fail(`${MANIFEST}: exportKey is not an Ed25519 public key`)
  let sigOk = false
  try {
    sigOk = sig !== null && sig.length === 64 && ed25519.verify(sig, manifestBytes, exportKey)
  } catch {
    sigOk = false
  }
  if (!sigOk) throw fail(`${MANIFEST_SIG}: the manifest signature does not verify with the export key ${manifest.exportKey}`)

  const listed = new Set<string>()
  for (const f of manifest.files) {
    listed.add(f.path)
    const bytes = files.get(f.path)
    if (!bytes) throw fail(`${f.path}: listed in the manifest but missing (removed)`)
    if (toBase64Url(sha256(bytes)) !== f.sha256 || bytes.length !== f.size) throw fail(`${f.path}: its SHA-256 differs from the manifest's (changed)`)
  }
  for (const path of files.keys()) {
    if (!listed.has(path) && !(UNLISTED as readonly string[]).includes(path)) throw fail(`${path}: not in the manifest (added)`)
  }

  const attachments = checkAttachments(files, manifest)
  const proofBytes = files.get(AUDIT_ENTRY)
  if (!proofBytes) throw fail(`${AUDIT_ENTRY} is missing: the export's signature is not shown to be in the audit trail`)
  const p = json(proofBytes, AUDIT_ENTRY) as ExportAuditProof
  if (typeof p?.entry !== 'string' || typeof p.checkpoint !== 'string' || !Array.isArray(p.proof) || !Number.isSafeInteger(p.index)) {
    throw fail(`${AUDIT_ENTRY} is malformed`)
  }
  if (p.org !== manifest.org) throw fail(`${AUDIT_ENTRY}: the entry is of organisation ${p.org}, the export of ${manifest.org}`)
  const entry = json(utf8(p.entry), `${AUDIT_ENTRY} entry`) as { org?: string; action?: string; details?: Record<string, unknown> }
  const d = entry.details ?? {}
  if (entry.org !== manifest.org || entry.action !== 'compliance.export') throw fail(`${AUDIT_ENTRY}: the entry does not log an export of ${manifest.org}`)
  if (d.signature !== signature) throw fail(`${AUDIT_ENTRY}: the logged signature is not this manifest's signature`)
  if (d.manifestSha256 !== toBase64Url(sha256(manifestBytes))) throw fail(`${AUDIT_ENTRY}: the logged manifest hash is not this manifest's`)
  if (d.exportKey !== manifest.exportKey || d.request !== manifest.request) throw fail(`${AUDIT_ENTRY}: the logged export key or request differs from the manifest's`)

  const origin = orgAuditOrigin(manifest.org)
  let vkey: string | undefined = opts.auditVerifierKey ?? (typeof p.verifierKey === 'string' ? p.verifierKey : undefined)
  if (opts.logKey) {
    const k = parseVerifierKey(opts.logKey)
    if (!k || k.type !== SIG_TYPE_ED25519) throw fail('the pinned log key is not an Ed25519 verifier key')
    vkey = formatVerifierKey(origin, SIG_TYPE_ED25519, k.publicKey)
  }
  if (!vkey) throw fail('no key to check the audit trail’s checkpoint with: pass the access-log key (--log-key)')
  const verifier = noteVerifierFromKey(vkey)
  const opened = verifier ? openCheckpoint(p.checkpoint, origin, [verifier]) : null
  if (!opened) throw fail(`${AUDIT_ENTRY}: the checkpoint is not signed by the ${opts.logKey ? 'pinned ' : ''}key of ${origin}`)
  const proof = p.proof.map((h) => fromBase64Url(h) ?? new Uint8Array())
  if (!verifyInclusion(p.index, opened.checkpoint.size, merkleLeafHash(utf8(p.entry)), proof, opened.checkpoint.rootHash)) {
    throw fail(`${AUDIT_ENTRY}: entry ${p.index} is not in the signed audit trail`)
  }
  return { manifest, files: manifest.files.length, attachments, auditIndex: p.index, pinned: opts.logKey !== undefined }
}

/**
 * Every attachment messages.jsonl names: when `included`, its file is in the manifest and its
 * SHA-256 is the one the message named (the sender's); when not, no file is there under its path.
 */
function checkAttachments(files: ReadonlyMap<string, Uint8Array>, manifest: ExportManifest): { included: number; missing: number } {
  const jsonl = files.get('messages.jsonl')
  if (!jsonl) throw fail('messages.jsonl is missing')
  const listed = new Map(manifest.files.map((f) => [f.path, f]))
  let included = 0
  let missing = 0
  for (const [n, text] of fromUtf8(jsonl).split('\n').entries()) {
    if (text === '') continue
    const r = json(utf8(text), `messages.jsonl line ${n + 1}`) as { attachments?: { path?: unknown; sha256?: unknown; size?: unknown; included?: unknown }[] }
    for (const a of r.attachments ?? []) {
      if (typeof a.path !== 'string' || typeof a.sha256 !== 'string' || typeof a.included !== 'boolean') throw fail(`messages.jsonl line ${n + 1}: an attachment without path, sha256 and included`)
      const f = listed.get(a.path)
      if (a.included) {
        if (!f) throw fail(`${a.path}: the message names it as included but the manifest does not list it`)
        if (f.sha256 !== a.sha256 || f.size !== a.size) throw fail(`${a.path}: not the file its message names (its SHA-256 differs from the sender's)`)
        included++
      } else {
        if (f || files.has(a.path)) throw fail(`${a.path}: the message says the archive did not have it, yet a file is there`)
        missing++
      }
    }
  }
  return { included, missing }
}

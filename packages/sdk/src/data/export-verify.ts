// Checks an export: the bag declaration, every payload file against the manifest (in manifest
// order, so the first file that differs is named), no payload file outside the manifest, the
// tag manifest, the device's Ed25519 signature over the manifest (by a key in the account's
// proven key-directory history), the access receipts' inclusion proofs against the bundled
// signed checkpoint, and every consent record's signature. With pinned keys, the directory and
// access-log checkpoints must be signed by those keys, not merely by the keys the bundle names.
// Never throws on bad input.
import { verifyDetached } from '@candor/crypto'
import { consentRecordSchema, decodeDirectoryValue, fromBase64Url, fromUtf8, utf8 } from '@candor/protocol'
import { decodeHistoryProof, merkleLeafHash, noteVerifierFromKey, openCheckpoint, verifyHistory, verifyInclusion, type NoteVerifier } from '@candor/transparency'
import { BAGIT, BAGIT_TXT, MANIFEST, SIGNATURE, TAG_MANIFEST, parseManifest, sha256Hex } from './bag.ts'

const DIRECTORY = 'data/key-directory.json'
const RECEIPTS = 'data/access-receipts.json'
const CONSENTS = 'data/consents.jsonl'

/** Keys known out of band (C2SP vkeys) that the bundle's signed checkpoints must verify under. */
export interface ExportPins {
  /** The access log's verifier key (`GET /v1/access-log` → verifierKey, or the operator's published one). */
  logKey?: string
  /** The key directory's verifier key. */
  directoryKey?: string
}

/**
 * The device keys in the bundled key-directory history of the account, checked against its
 * signed checkpoint (under the pinned key if one is given) and VRF key; null if that fails.
 */
function directoryKeys(files: ReadonlyMap<string, Uint8Array>, pinned: NoteVerifier | null): Set<string> | null {
  try {
    const account = JSON.parse(fromUtf8(files.get('data/account.json') ?? new Uint8Array())) as { userId?: unknown }
    const dir = JSON.parse(fromUtf8(files.get(DIRECTORY) ?? new Uint8Array())) as {
      info?: { origin?: unknown; verifierKey?: unknown; vrfPublicKey?: unknown }
      history?: { checkpoint?: unknown; proof?: unknown }
    }
    const verifier = pinned ?? noteVerifierFromKey(dir.info?.verifierKey)
    const vrf = typeof dir.info?.vrfPublicKey === 'string' ? fromBase64Url(dir.info.vrfPublicKey) : null
    if (typeof account.userId !== 'string' || !verifier || !vrf || typeof dir.history?.proof !== 'string') return null
    const cp = openCheckpoint(dir.history.checkpoint, verifier.name, [verifier])
    const proof = decodeHistoryProof(fromBase64Url(dir.history.proof))
    const history = cp && proof && verifyHistory(account.userId, proof, cp.checkpoint, vrf)
    if (!history) return null
    const keys = new Set<string>()
    for (const v of history.versions) if (v.value !== null) for (const d of decodeDirectoryValue(v.value)?.devices ?? []) keys.add(d.key)
    return keys
  } catch {
    return null
  }
}

/** Every bundled receipt envelope is in the log under a checkpoint signed by the (pinned) log key. */
function receiptsProblem(files: ReadonlyMap<string, Uint8Array>, pinned: NoteVerifier | null): string | null {
  try {
    const r = JSON.parse(fromUtf8(files.get(RECEIPTS) ?? new Uint8Array())) as {
      log?: { verifierKey?: unknown }
      proofs?: { checkpoint?: unknown; receipts?: Array<{ index?: unknown; envelope?: unknown; proof?: unknown }> }
    }
    const bundled = noteVerifierFromKey(r.log?.verifierKey)
    if (!bundled) return 'no valid access-log verifier key'
    const verifier = pinned ?? bundled
    const cp = openCheckpoint(r.proofs?.checkpoint, verifier.name, [verifier])
    if (!cp) return pinned ? 'the access-log checkpoint is not signed by the pinned log key' : 'the access-log checkpoint does not verify under the bundled log key'
    for (const x of r.proofs?.receipts ?? []) {
      const envelope = typeof x.envelope === 'string' ? fromBase64Url(x.envelope) : null
      const proof = Array.isArray(x.proof) ? x.proof.map((p) => (typeof p === 'string' ? fromBase64Url(p) : null)) : null
      if (typeof x.index !== 'number' || !envelope || !proof || proof.some((p) => p === null)) return `receipt at index ${String(x.index)} is malformed`
      if (!verifyInclusion(x.index, cp.checkpoint.size, merkleLeafHash(envelope), proof as Uint8Array[], cp.checkpoint.rootHash)) {
        return `receipt at index ${x.index} is not in the signed access log of size ${cp.checkpoint.size}`
      }
    }
    return null
  } catch {
    return 'malformed'
  }
}

/** Every consent record is the person's own, signed by one of their directory-proven device keys. */
function consentsProblem(files: ReadonlyMap<string, Uint8Array>, userId: string, keys: ReadonlySet<string>): string | null {
  const lines = fromUtf8(files.get(CONSENTS) ?? new Uint8Array()).split('\n').filter((l) => l !== '')
  for (const [i, line] of lines.entries()) {
    try {
      const e = JSON.parse(line) as { record?: unknown; signature?: unknown }
      if (typeof e.record !== 'string' || typeof e.signature !== 'string') return `line ${i + 1} is malformed`
      const rec = consentRecordSchema.safeParse(JSON.parse(e.record))
      if (!rec.success || rec.data.userId !== userId) return `line ${i + 1} is not a consent record of ${userId}`
      if (!keys.has(rec.data.deviceKey)) return `line ${i + 1} is signed by a key that is not in the account's key-directory history`
      if (!verifyDetached(fromBase64Url(rec.data.deviceKey) ?? new Uint8Array(), utf8(e.record), fromBase64Url(e.signature) ?? new Uint8Array())) return `line ${i + 1}: bad signature`
    } catch {
      return `line ${i + 1} is malformed`
    }
  }
  return null
}

export type ExportCheck = { ok: true; files: number; deviceId: string; publicKey: string } | { ok: false; file: string; problem: string }

export async function verifyExport(files: ReadonlyMap<string, Uint8Array>, pins: ExportPins = {}): Promise<ExportCheck> {
  const bad = (file: string, problem: string): ExportCheck => ({ ok: false, file, problem })
  const bagit = files.get(BAGIT)
  if (!bagit || fromUtf8(bagit) !== BAGIT_TXT) return bad(BAGIT, 'missing or not a BagIt 1.0 declaration')
  const manifestBytes = files.get(MANIFEST)
  const manifest = manifestBytes ? parseManifest(fromUtf8(manifestBytes)) : null
  if (!manifestBytes || !manifest) return bad(MANIFEST, 'missing or malformed')
  for (const { hash, path } of manifest) {
    const f = files.get(path)
    if (!f) return bad(path, 'listed in the manifest but missing')
    if ((await sha256Hex(f)) !== hash) return bad(path, 'its SHA-256 differs from the manifest')
  }
  const listed = new Set(manifest.map((m) => m.path))
  for (const path of [...files.keys()].sort()) {
    if (path.startsWith('data/') && !listed.has(path)) return bad(path, 'not listed in the manifest')
  }
  const sigBytes = files.get(SIGNATURE)
  const m = sigBytes ? /^Ed25519 (\S+) ([A-Za-z0-9_-]{43}) ([A-Za-z0-9_-]{86})\n$/.exec(fromUtf8(sigBytes)) : null
  if (!m) return bad(SIGNATURE, 'missing or malformed')
  const [, deviceId, key, sig] = m as unknown as [string, string, string, string]
  if (!verifyDetached(fromBase64Url(key) ?? new Uint8Array(), manifestBytes, fromBase64Url(sig) ?? new Uint8Array())) {
    return bad(MANIFEST, 'the device signature over the manifest does not verify')
  }
  const logPin = pins.logKey === undefined ? null : noteVerifierFromKey(pins.logKey)
  const dirPin = pins.directoryKey === undefined ? null : noteVerifierFromKey(pins.directoryKey)
  if (pins.logKey !== undefined && !logPin) return bad(RECEIPTS, 'the pinned access-log key is not a valid verifier key')
  if (pins.directoryKey !== undefined && !dirPin) return bad(DIRECTORY, 'the pinned key-directory key is not a valid verifier key')
  const keys = directoryKeys(files, dirPin)
  if (!keys) return bad(DIRECTORY, dirPin ? 'the key-directory history does not verify under the pinned directory key' : 'the key-directory history does not verify')
  if (!keys.has(key)) return bad(DIRECTORY, 'the signing device key is not in the proven key-directory history of this account')
  const receipts = receiptsProblem(files, logPin)
  if (receipts) return bad(RECEIPTS, receipts)
  let userId = ''
  try {
    userId = String((JSON.parse(fromUtf8(files.get('data/account.json') ?? new Uint8Array())) as { userId?: unknown }).userId)
  } catch {
    return bad('data/account.json', 'malformed')
  }
  const consents = consentsProblem(files, userId, keys)
  if (consents) return bad(CONSENTS, consents)
  const tagBytes = files.get(TAG_MANIFEST)
  const tags = tagBytes ? parseManifest(fromUtf8(tagBytes)) : null
  if (!tags) return bad(TAG_MANIFEST, 'missing or malformed')
  for (const { hash, path } of tags) {
    const f = files.get(path)
    if (!f) return bad(path, 'listed in the tag manifest but missing')
    if ((await sha256Hex(f)) !== hash) return bad(path, 'its SHA-256 differs from the tag manifest')
  }
  return { ok: true, files: manifest.length, deviceId, publicKey: key }
}

// Checks an export: the bag declaration, every payload file against the manifest (in manifest
// order, so the first file that differs is named), no payload file outside the manifest, the
// tag manifest, and the device's Ed25519 signature over the manifest. Never throws on bad input.
import { verifyDetached } from '@candor/crypto'
import { decodeDirectoryValue, fromBase64Url, fromUtf8 } from '@candor/protocol'
import { decodeHistoryProof, noteVerifierFromKey, openCheckpoint, verifyHistory } from '@candor/transparency'
import { BAGIT, BAGIT_TXT, MANIFEST, SIGNATURE, TAG_MANIFEST, parseManifest, sha256Hex } from './bag.ts'

const DIRECTORY = 'data/key-directory.json'

/**
 * True when the bundled key-directory history of the account (checked against its signed
 * checkpoint and VRF key) holds the key that signed the manifest, so a bundle re-signed with
 * another key fails even if every hash was recomputed.
 */
function keyInDirectory(files: ReadonlyMap<string, Uint8Array>, key: string): boolean {
  try {
    const account = JSON.parse(fromUtf8(files.get('data/account.json') ?? new Uint8Array())) as { userId?: unknown }
    const dir = JSON.parse(fromUtf8(files.get(DIRECTORY) ?? new Uint8Array())) as {
      info?: { origin?: unknown; verifierKey?: unknown; vrfPublicKey?: unknown }
      history?: { checkpoint?: unknown; proof?: unknown }
    }
    const verifier = noteVerifierFromKey(dir.info?.verifierKey)
    const vrf = typeof dir.info?.vrfPublicKey === 'string' ? fromBase64Url(dir.info.vrfPublicKey) : null
    if (typeof account.userId !== 'string' || !verifier || !vrf || typeof dir.history?.proof !== 'string') return false
    const cp = openCheckpoint(dir.history.checkpoint, verifier.name, [verifier])
    const proof = decodeHistoryProof(fromBase64Url(dir.history.proof))
    const history = cp && proof && verifyHistory(account.userId, proof, cp.checkpoint, vrf)
    if (!history) return false
    return history.versions.some((v) => v.value !== null && (decodeDirectoryValue(v.value)?.devices.some((d) => d.key === key) ?? false))
  } catch {
    return false
  }
}

export type ExportCheck = { ok: true; files: number; deviceId: string; publicKey: string } | { ok: false; file: string; problem: string }

export async function verifyExport(files: ReadonlyMap<string, Uint8Array>): Promise<ExportCheck> {
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
  if (!keyInDirectory(files, key)) return bad(DIRECTORY, 'the signing device key is not in the proven key-directory history of this account')
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

// The BagIt-style (RFC 8493) layout shared by export and verification: payload under data/,
// a SHA-256 payload manifest, the manifest's Ed25519 signature by the exporting device, and a
// tag manifest over the tag files.
import { toBase64Url } from '@candor/protocol'

export interface BagFile {
  /** Relative path with '/' separators. */
  path: string
  bytes: Uint8Array
}

export const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n'
export const MANIFEST = 'manifest-sha256.txt'
export const TAG_MANIFEST = 'tagmanifest-sha256.txt'
export const SIGNATURE = 'manifest-signature.txt'
export const BAG_INFO = 'bag-info.txt'
export const BAGIT = 'bagit.txt'

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}

export async function manifestOf(files: readonly BagFile[]): Promise<string> {
  const lines: string[] = []
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) lines.push(`${await sha256Hex(f.bytes)}  ${f.path}\n`)
  return lines.join('')
}

/** "Ed25519 <deviceId> <public key> <signature>" over the exact bytes of the payload manifest. */
export function signatureLine(deviceId: string, publicKey: Uint8Array, signature: Uint8Array): string {
  return `Ed25519 ${deviceId} ${toBase64Url(publicKey)} ${toBase64Url(signature)}\n`
}

/** Parses manifest text into [hash, path] pairs in file order; null if a line is malformed. */
export function parseManifest(text: string): Array<{ hash: string; path: string }> | null {
  const out: Array<{ hash: string; path: string }> = []
  for (const line of text.split('\n')) {
    if (line === '') continue
    const m = /^([0-9a-f]{64}) {2}(\S.*)$/.exec(line)
    if (!m) return null
    out.push({ hash: m[1]!, path: m[2]! })
  }
  return out
}

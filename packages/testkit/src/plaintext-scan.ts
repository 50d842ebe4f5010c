// The canary tests' byte scan: after a scenario, look through every file the server wrote (its
// database and WAL, its blob folder, its log) for what people typed. Each secret is looked for
// as UTF-8, as UTF-16LE (SQLite's other text encoding, and what a Windows tool would write) and
// with its non-ASCII characters escaped as JSON `\uXXXX` (a logger that escapes them). A scan
// must be given controls — strings the server legitimately stores, such as a user id — and
// says where it found each, so a scan that looks in the wrong place cannot pass by finding nothing.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

export type ScanEncoding = 'utf8' | 'utf16le' | 'json-escaped'

export interface ScanHit {
  file: string
  secret: string
  encoding: ScanEncoding
  offset: number
}

export interface PlaintextScan {
  /** Every file read. */
  files: string[]
  /** Each secret found, with the file, encoding and byte offset: empty when nothing leaked. */
  hits: ScanHit[]
  /** For each control, the files it was found in (in any encoding). */
  controls: Record<string, string[]>
  /**
   * Encodings not looked for because they are shorter than `MIN_NEEDLE_BYTES`: that few bytes
   * turn up by chance in ciphertext (a 4-byte needle once in ~4 GB of random bytes, per file).
   */
  skipped: Array<{ secret: string; encoding: ScanEncoding }>
}

/** Shorter needles are skipped (and listed in `skipped`): 6 random bytes match by chance once in 2^48. */
export const MIN_NEEDLE_BYTES = 6

/** Every file under each path (a file is itself), recursively; a path that does not exist is an error. */
export function filesUnder(...paths: string[]): string[] {
  return paths.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).flatMap((f) => filesUnder(join(p, f))) : [p]))
}

/** The byte forms a string is looked for in, each once (an ASCII string has one). */
export function encodingsOf(s: string): Array<{ encoding: ScanEncoding; bytes: Buffer }> {
  const forms: Array<{ encoding: ScanEncoding; bytes: Buffer }> = [
    { encoding: 'utf8', bytes: Buffer.from(s, 'utf8') },
    { encoding: 'utf16le', bytes: Buffer.from(s, 'utf16le') },
    { encoding: 'json-escaped', bytes: Buffer.from(jsonEscaped(s), 'utf8') },
  ]
  return forms.filter((f, i) => forms.findIndex((g) => g.bytes.equals(f.bytes)) === i)
}

/**
 * Scans `files` for `secrets` and `controls`. Throws if no control is given, or if a control is
 * found in none of the files (the scan would then prove nothing).
 */
export function scanForPlaintext(opts: { files: readonly string[]; secrets: readonly string[]; controls: readonly string[] }): PlaintextScan {
  if (opts.controls.length === 0) throw new Error('plaintext scan: give at least one control (a string the server does store)')
  if (opts.files.length === 0) throw new Error('plaintext scan: no files to scan')
  const haystacks = opts.files.map((file) => ({ file, bytes: readFileSync(file) }))
  const hits: ScanHit[] = []
  const skipped: PlaintextScan['skipped'] = []
  for (const secret of opts.secrets) {
    if (secret.length === 0) throw new Error('plaintext scan: an empty secret matches everywhere')
    for (const { encoding, bytes } of encodingsOf(secret)) {
      if (bytes.length < MIN_NEEDLE_BYTES) {
        skipped.push({ secret, encoding })
        continue
      }
      for (const h of haystacks) {
        const offset = h.bytes.indexOf(bytes)
        if (offset >= 0) hits.push({ file: h.file, secret, encoding, offset })
      }
    }
  }
  const controls: Record<string, string[]> = {}
  for (const control of opts.controls) {
    const forms = encodingsOf(control)
    controls[control] = haystacks.filter((h) => forms.some((f) => h.bytes.includes(f.bytes))).map((h) => h.file)
    if (controls[control].length === 0) throw new Error(`plaintext scan: the control “${control}” is in none of the ${haystacks.length} files scanned, so finding no secret there proves nothing`)
  }
  return { files: haystacks.map((h) => h.file), hits, controls, skipped }
}

/** One line per hit, for a failing assertion's message. */
export function describeHits(hits: readonly ScanHit[]): string {
  return hits.map((h) => `${h.secret} (${h.encoding}) in ${h.file} at byte ${h.offset}`).join('\n')
}

/** The string as JSON with every non-ASCII character escaped (`é` → `\u00e9`), without the quotes. */
function jsonEscaped(s: string): string {
  return JSON.stringify(s)
    .slice(1, -1)
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

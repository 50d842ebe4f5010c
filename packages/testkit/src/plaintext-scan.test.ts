// The canary scan finds a planted secret in each encoding, at the right place, and refuses to
// pass when its control is nowhere (a scan looking in the wrong folder).
import { afterAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodingsOf, filesUnder, scanForPlaintext } from './plaintext-scan.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-scan-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('plaintext scan', () => {
  it('finds a secret as UTF-8, UTF-16LE and escaped JSON, and where', () => {
    mkdirSync(join(dir, 'blobs'))
    const secret = 'Überweisung-€1000'
    writeFileSync(join(dir, 'db'), Buffer.concat([Buffer.from('user alice '), Buffer.from(secret, 'utf16le')]))
    writeFileSync(join(dir, 'blobs', 'a.blob'), Buffer.from(`xx${secret}`, 'utf8'))
    // A log line as a logger that escapes non-ASCII writes it.
    writeFileSync(join(dir, 'log'), `{"msg":"${secret.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"}\n`)
    const files = filesUnder(dir)
    expect(files).toHaveLength(3)
    const scan = scanForPlaintext({ files, secrets: [secret, 'never-written-anywhere'], controls: ['alice'] })
    expect(scan.hits.map((h) => [h.file, h.encoding])).toEqual([
      [join(dir, 'blobs', 'a.blob'), 'utf8'],
      [join(dir, 'db'), 'utf16le'],
      [join(dir, 'log'), 'json-escaped'],
    ])
    expect(scan.hits[0]!.offset).toBe(2)
    expect(scan.controls).toEqual({ alice: [join(dir, 'db')] })
  })

  it('an ASCII string is looked for once per distinct form; too-short forms are listed as skipped', () => {
    expect(encodingsOf('abc').map((f) => f.encoding)).toEqual(['utf8', 'utf16le'])
    const scan = scanForPlaintext({ files: [join(dir, 'db')], secrets: ['❤️'], controls: ['alice'] })
    expect(scan.skipped).toEqual([{ secret: '❤️', encoding: 'utf16le' }])
  })

  it('refuses a scan whose control is nowhere, or with no control', () => {
    const files = filesUnder(dir)
    expect(() => scanForPlaintext({ files, secrets: ['x-secret'], controls: ['carol'] })).toThrow(/control “carol” is in none/)
    expect(() => scanForPlaintext({ files, secrets: ['x-secret'], controls: [] })).toThrow(/at least one control/)
  })
})

// The ZIP writer against the system's unzip (when present) and a known CRC-32 vector.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { crc32, zipStore } from '../src/components/zip-store.ts'

const unzip = (() => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

describe('zipStore', () => {
  it('computes the standard CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926)
    expect(crc32(new Uint8Array())).toBe(0)
  })

  it.skipIf(!unzip)('writes a ZIP that unzip tests and extracts byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'candor-zip-'))
    try {
      const files = [
        { path: 'bagit.txt', bytes: new TextEncoder().encode('BagIt-Version: 1.0\n') },
        { path: 'data/conversations/Ab_-9.jsonl', bytes: new TextEncoder().encode('{"text":"héllo"}\n') },
        { path: 'data/empty.json', bytes: new Uint8Array() },
      ]
      writeFileSync(join(dir, 'x.zip'), zipStore(files))
      execFileSync('unzip', ['-tq', join(dir, 'x.zip')])
      execFileSync('unzip', ['-q', join(dir, 'x.zip'), '-d', join(dir, 'out')])
      for (const f of files) expect(new Uint8Array(readFileSync(join(dir, 'out', f.path)))).toEqual(f.bytes)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

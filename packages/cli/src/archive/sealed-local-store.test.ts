import { describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { FileLocalStore } from '@candor/sdk/node'
import { SealedLocalStore } from './sealed-local-store.ts'

function bytesUnder(d: string): Buffer {
  return Buffer.concat(readdirSync(d).map((n) => (statSync(join(d, n)).isDirectory() ? bytesUnder(join(d, n)) : readFileSync(join(d, n)))))
}

describe('the archive device store (docs/protocol.md §11.5)', () => {
  it('seals every value under the state key, keeps no history, and refuses another key or a value moved to another name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'candor-sealed-store-'))
    try {
      const key = randomBytes(32)
      const store = new SealedLocalStore(new FileLocalStore(dir), key)
      await store.put('groups/abc', 'group-state-canary')
      await store.append('history/abc', 'history-canary')
      expect(await store.get('groups/abc')).toBe('group-state-canary')
      expect(await store.lines('history/abc')).toEqual([])
      const raw = bytesUnder(dir)
      expect(raw.includes(Buffer.from('group-state-canary'))).toBe(false)
      expect(raw.includes(Buffer.from('history-canary'))).toBe(false)
      await expect(new SealedLocalStore(new FileLocalStore(dir), randomBytes(32)).get('groups/abc')).rejects.toThrow(/does not open with this key file's state key/)
      // A sealed value copied under another name does not open (the name is the AAD).
      const inner = new FileLocalStore(dir)
      await inner.put('groups/other', (await inner.get('groups/abc'))!)
      await expect(store.get('groups/other')).rejects.toThrow(/does not open/)
      await inner.put('groups/plain', 'written without the key')
      await expect(store.get('groups/plain')).rejects.toThrow(/not sealed/)
      expect(() => new SealedLocalStore(inner, randomBytes(31))).toThrow(/32 bytes/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

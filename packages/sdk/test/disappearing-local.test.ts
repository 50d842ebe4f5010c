// The device side of disappearing messages without a server: the timer message's strict
// decoding, the durations people type, and deleting history from the Node file store.
import { describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CandorError, decodeContent, encodeContent, utf8, type MessageId } from '@candor/protocol'
import { formatTimer, parseTimer } from '../src/data/retention.ts'
import { MemoryLocalStore, type LocalStore } from '../src/local-store.ts'
import { FileLocalStore } from '../src/node/index.ts'

const code = (f: () => unknown) => {
  try {
    f()
    return 'none'
  } catch (e) {
    return e instanceof CandorError ? e.code : 'other'
  }
}

describe('timer message content', () => {
  const id = 'AAAAAAAAAAAAAAAAAAAAAA' as MessageId

  it('reads version-1 timer messages and stamped texts, and round-trips them as version 2', () => {
    for (const c of [
      { type: 'timer', id, sentAt: 1, seconds: 3600 },
      { type: 'timer', id, sentAt: 1, seconds: null },
      { type: 'text', id, sentAt: 1, text: 'hi', timer: 30 },
      { type: 'text', id, sentAt: 1, text: 'hi' },
    ] as const) {
      expect(decodeContent(utf8(JSON.stringify({ v: 1, ...c })))).toEqual(c)
      expect(decodeContent(encodeContent({ ...c, seen: {} }))).toEqual({ ...c, seen: {} })
    }
  })

  it('refuses timers that are not whole seconds in range (negative control: valid ones pass)', () => {
    for (const v of [1, 2]) {
      const common = { v, id, sentAt: 1, ...(v === 2 ? { seen: {} } : {}) }
      const timer = (seconds: unknown) => code(() => decodeContent(utf8(JSON.stringify({ ...common, type: 'timer', seconds }))))
      const text = (t: unknown) => code(() => decodeContent(utf8(JSON.stringify({ ...common, type: 'text', text: 'a', timer: t }))))
      for (const bad of [0, -5, 1.5, '60', undefined, 11 * 366 * 24 * 3600, {}]) {
        expect(timer(bad)).toBe('invalid_mls_message')
        if (bad !== undefined) expect(text(bad)).toBe('invalid_mls_message')
      }
      expect(timer(60)).toBe('none')
      expect(timer(null)).toBe('none')
      expect(text(60)).toBe('none')
      expect(text(null)).toBe('invalid_mls_message')
    }
  })
})

describe('durations', () => {
  it('parses what people type and formats what the server applied', () => {
    expect(['30s', '5m', '1h', '7d', '2w', '45', ' 1H '].map(parseTimer)).toEqual([30, 300, 3600, 604_800, 1_209_600, 45, 3600])
    expect(parseTimer('off')).toBeNull()
    for (const bad of ['', '0s', '-1h', '1.5h', 'soon', '1y', '99999999999w']) expect(code(() => parseTimer(bad))).toBe('bad_request')
    expect([1_000, 2_000, 90_000, 3_600_000, 86_400_000 * 7, 1_500].map(formatTimer)).toEqual(['1 second', '2 seconds', '90 seconds', '1 hour', '1 week', '2 seconds'])
    expect(formatTimer(null)).toBe('off')
  })
})

describe('LocalStore.rewrite', () => {
  const check = async (s: LocalStore) => {
    for (const l of ['a', 'b', 'c']) await s.append('history/x', l)
    await s.rewrite('history/x', ['b'])
    await s.append('history/x', 'd')
    expect(await s.lines('history/x')).toEqual(['b', 'd'])
    await s.rewrite('history/x', [])
    expect(await s.lines('history/x')).toEqual([])
  }

  it('drops lines in memory', () => check(new MemoryLocalStore()))

  it('drops lines on disk, leaves no temporary file, and removes ones a crashed writer left', async () => {
    const home = mkdtempSync(join(tmpdir(), 'candor-store-'))
    try {
      await check(new FileLocalStore(home))
      expect(readdirSync(join(home, 'logs'))).toEqual([])
      const dead = join(home, 'logs', 'history%2Fx.999999999.abc.tmp')
      const mine = join(home, 'logs', `history%2Fx.${process.pid}.abc.tmp`)
      writeFileSync(dead, 'left behind')
      writeFileSync(mine, 'a live writer of this process')
      await new FileLocalStore(home).lines('history/x')
      // A live writer's file may still be renamed into place: it stays.
      expect(readdirSync(join(home, 'logs'))).toEqual([`history%2Fx.${process.pid}.abc.tmp`])
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })
})

import { describe, expect, it } from 'vitest'
import { DAY_MS, planSweep } from './archive-expiry.ts'
import type { ArchiveIndexLine } from './archive-index.ts'
import type { HoldInfo } from './legal-hold.ts'

const line = (id: string, conversation: string, user: string, at: number, expiresAt?: number): ArchiveIndexLine => ({
  id, conversation, sender: { user, device: 'd' }, at, sha256: 'x', ...(expiresAt !== undefined ? { expiresAt } : {}),
})
const hold = (id: string, target: string, releasedAt: number | null = null): HoldInfo => ({ id, target, case: 'LH-1', until: null, placedAt: 0, releasedAt })

describe('the archive deletion sweep plan', () => {
  const lines = [
    line('a', 'g1', 'erin', 1000, 31_000), // timer ran out at 31 s
    line('b', 'g2', 'frank', 1000, 31_000),
    line('c', 'g2', 'erin', 1000, 31_000), // sent by a held person
    line('d', 'g2', 'frank', 1000), // no timer
    line('e', 'g2', 'frank', 1000, 90_000), // not yet
  ]
  it('deletes what the timer ended unless a hold covers its conversation or sender; says when the next one falls due', () => {
    const p = planSweep(lines, [hold('h1', 'conversation:g1'), hold('h2', 'user:erin')], 40_000, null)
    expect(p.delete.map((d) => [d.line.id, d.reason])).toEqual([['b', 'timer']])
    expect(p.held.map((d) => [d.line.id, d.holds])).toEqual([['a', ['h1', 'h2']], ['c', ['h2']]])
    expect(p.next).toBe(90_000)
  })
  it('a released hold keeps nothing: deletion resumes', () => {
    const p = planSweep(lines, [hold('h1', 'conversation:g1', 35_000), hold('h2', 'user:erin', 35_000)], 40_000, null)
    expect(p.delete.map((d) => d.line.id)).toEqual(['a', 'b', 'c'])
    expect(p.held).toEqual([])
  })
  it('retention deletes every record it outlived, timer or not; holds keep theirs', () => {
    const p = planSweep(lines, [hold('h1', 'conversation:g1')], 1000 + 7 * DAY_MS, 7)
    expect(p.delete.map((d) => [d.line.id, d.reason])).toEqual([['b', 'timer'], ['c', 'timer'], ['d', 'retention'], ['e', 'timer']])
    expect(p.held.map((d) => d.line.id)).toEqual(['a'])
    expect(planSweep([lines[3]!], [], 1000 + 7 * DAY_MS - 1, 7)).toEqual({ delete: [], held: [], next: 1000 + 7 * DAY_MS })
    expect(planSweep([lines[3]!], [], 9e15, null)).toEqual({ delete: [], held: [], next: null })
  })
})

describe('an erased sender’s records (docs/protocol.md §11.12)', () => {
  const lines = [
    line('a', 'g1', 'carol', 1000), // no timer: kept for ever, but carol was erased
    line('b', 'g2', 'carol', 1000, 900_000), // timer not yet run out
    line('c', 'g3', 'carol', 1000), // in a held conversation
    line('d', 'g1', 'bob', 1000), // someone else's in the same conversation
    line('e', 'g2', 'bob', 1000, 31_000), // someone else's, timer ran out
  ]
  it('every record the erased person sent is due, whatever its timer; nobody else’s goes for it', () => {
    const p = planSweep(lines, [hold('h1', 'conversation:g3')], 40_000, null, new Set(['carol']))
    expect(p.delete.map((d) => [d.line.id, d.reason])).toEqual([['a', 'erasure'], ['b', 'erasure'], ['e', 'timer']])
    expect(p.held.map((d) => [d.line.id, d.reason, d.holds])).toEqual([['c', 'erasure', ['h1']]])
  })
  it('a hold on the person keeps all they sent; released, it all goes at the next sweep', () => {
    const held = planSweep(lines, [hold('h2', 'user:carol')], 40_000, null, new Set(['carol']))
    expect(held.delete.map((d) => d.line.id)).toEqual(['e'])
    expect(held.held.map((d) => d.line.id)).toEqual(['a', 'b', 'c'])
    const released = planSweep(lines, [hold('h2', 'user:carol', 45_000)], 50_000, null, new Set(['carol']))
    expect(released.delete.map((d) => d.line.id)).toEqual(['a', 'b', 'c', 'e'])
  })
  it('without an accepted erasure nothing of hers is due before its time (the old plan)', () => {
    expect(planSweep(lines, [], 40_000, null).delete.map((d) => d.line.id)).toEqual(['e'])
    expect(planSweep(lines, [], 40_000, null, new Set(['dave'])).delete.map((d) => d.line.id)).toEqual(['e'])
  })
})

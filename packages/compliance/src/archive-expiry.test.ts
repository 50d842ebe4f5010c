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

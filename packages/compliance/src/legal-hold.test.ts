import { describe, expect, it } from 'vitest'
import { holdsOn, isHeld, type HoldInfo } from './legal-hold.ts'

const hold = (id: string, target: string, releasedAt: number | null = null): HoldInfo => ({ id, target, case: 'C-7', until: null, placedAt: 1, releasedAt })
const rec = { conversation: 'g-1', sender: { user: 'erin@acme.example' } }

describe('isHeld', () => {
  it('holds a record of a held conversation or sent by a held person; a released hold holds nothing', () => {
    expect(isHeld(rec, [])).toBe(false)
    expect(isHeld(rec, [hold('a', 'conversation:g-1')])).toBe(true)
    expect(isHeld(rec, [hold('a', 'user:erin@acme.example')])).toBe(true)
    expect(isHeld(rec, [hold('a', 'conversation:g-2'), hold('b', 'user:frank@acme.example')])).toBe(false)
    expect(isHeld(rec, [hold('a', 'conversation:g-1', 50)])).toBe(false)
    expect(holdsOn(rec, [hold('a', 'conversation:g-1'), hold('b', 'user:erin@acme.example', 9), hold('c', 'user:erin@acme.example')]).map((h) => h.id)).toEqual(['a', 'c'])
  })
})

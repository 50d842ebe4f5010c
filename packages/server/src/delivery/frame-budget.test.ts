import { describe, expect, it } from 'vitest'
import { FrameBudget } from './frame-budget.ts'

describe('FrameBudget', () => {
  it('allows the limit per window, refuses past it, and starts again in the next window', () => {
    const b = new FrameBudget(3, 1000)
    expect([b.take(1, 0), b.take(1, 10), b.take(1, 20)]).toEqual([true, true, true])
    expect(b.take(1, 30)).toBe(false)
    expect(b.used).toBe(4)
    expect(b.take(1, 1000)).toBe(true)
    expect(b.used).toBe(1)
  })

  it('counts several at once', () => {
    const b = new FrameBudget(10, 1000)
    expect(b.take(10, 0)).toBe(true)
    expect(b.take(1, 1)).toBe(false)
    expect(new FrameBudget(10, 1000).take(11, 0)).toBe(false)
  })
})

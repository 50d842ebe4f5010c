// The soak in small (`npm run soak` runs 50 kills): a real `candor serve` on SQLite, SIGKILLed 3
// times under load from real SDK clients in 1:1 conversations and a group, restarted on the same
// data. Counted at the server's delivery (a frame-parsing proxy per device, before any client
// de-duplicates): every send the server accepted reached every other member's device, and no
// delivery was sent again after its ack was persisted or processed by the same server life.
import { describe, expect, it } from 'vitest'
import { formatSoakReport, parseSoakFlags, soakPassed } from '../src/soak/main.ts'
import { runSoak } from '../src/soak/soak-run.ts'

describe('npm run soak, small', () => {
  it('3 SIGKILLs under load: nothing accepted is lost, no persisted ack is delivered again', async () => {
    const report = await runSoak({ ...parseSoakFlags(['--kills', '3', '--min-up-ms', '200', '--max-up-ms', '1500', '--drain-ms', '60000']), log: () => {} })
    const v = report.verdict
    const printed = formatSoakReport(report)
    expect(v.kills, printed).toBe(3)
    // The kills landed under load: sends were accepted and delivered around them.
    expect(v.accepted, printed).toBeGreaterThan(10)
    expect(v.delivered, printed).toBeGreaterThanOrEqual(v.accepted)
    expect(v.lost, printed).toEqual([])
    expect(v.violations, printed).toBe(0)
    expect(v.malformedFrames, printed).toBe(0)
    expect(report.leftQueued, printed).toBe(0)
    expect(soakPassed(report)).toBe(true)
    expect(printed).toMatch(/^lost: 0$/m)
  }, 600_000)

  it('refuses flags it does not know and numbers that are not whole', () => {
    expect(() => parseSoakFlags(['--kill', '3'])).toThrow(/unknown flag --kill/)
    expect(() => parseSoakFlags(['--kills', '2.5'])).toThrow(/whole number/)
    expect(() => parseSoakFlags(['--devices', '1'])).toThrow(/at least 2/)
    expect(parseSoakFlags(['--kills', '7']).kills).toBe(7)
  })
})

// The per-message counters (messages accepted, deliveries pushed) count in a plain number that the
// Prometheus counter takes in when it is read: every increment shows, once, however often /metrics
// is read.
import { describe, expect, it } from 'vitest'
import { Metrics } from '../src/metrics.ts'

const value = async (m: Metrics, name: string): Promise<number> => {
  const text = await m.registry.getSingleMetricAsString(name)
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return Number(line?.split(' ')[1])
}

describe('per-message counters', () => {
  it('show every increment when read, and none twice', async () => {
    const m = new Metrics()
    expect(await value(m, 'candor_deliveries_pushed_total')).toBe(0)
    m.delivered.inc()
    m.delivered.inc()
    m.accepted.inc(3)
    expect(await value(m, 'candor_deliveries_pushed_total')).toBe(2)
    expect(await value(m, 'candor_messages_accepted_total')).toBe(3)
    expect(await value(m, 'candor_deliveries_pushed_total')).toBe(2)
    m.delivered.inc()
    expect(await m.registry.metrics()).toContain('candor_deliveries_pushed_total 3\n')
    expect(await value(m, 'candor_deliveries_pushed_total')).toBe(3)
    expect(await value(m, 'candor_messages_accepted_total')).toBe(3)
  })
})

// RFC 5424 messages and RFC 6587 octet-counting frames of audit entries (siem-stream.ts).
import { describe, expect, it } from 'vitest'
import { octetCounted, syslogMessage } from './siem-stream.ts'

describe('syslog messages of audit entries', () => {
  const entry = JSON.stringify({ v: 1, org: 'acme', action: 'role.grant', details: { note: 'é"]\\' } })
  const at = new Date(Date.UTC(2026, 10, 30, 12, 0, 0, 123))

  it('has the RFC 5424 header, our SD element and the entry as a UTF-8 MSG with a BOM', () => {
    expect(syslogMessage('acme' as never, 7, entry, at, 'node-1')).toBe(
      `<109>1 2026-11-30T12:00:00.123Z node-1 candor - role.grant [candor@32473 org="acme" index="7"] \uFEFF${entry}`,
    )
  })

  it('escapes SD values and drops what HOSTNAME may not hold; a non-JSON entry has no MSGID', () => {
    expect(syslogMessage('a"c]m\\e' as never, 1, 'x', at, 'bad host\u00e9')).toBe(
      `<109>1 2026-11-30T12:00:00.123Z badhost candor - - [candor@32473 org="a\\"c\\]m\\\\e" index="1"] \uFEFFx`,
    )
  })

  it('frames by octet count (bytes, not characters)', () => {
    const f = octetCounted('é')
    expect(f.toString('utf8')).toBe('2 é')
    expect(octetCounted('abc').toString()).toBe('3 abc')
  })
})

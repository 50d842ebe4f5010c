import { describe, expect, it } from 'vitest'
import { erasureNoticeText, orgErasureKeyName, parseErasureNoticeText } from './org-erasure.ts'

describe('the erasure notice text (docs/protocol.md §11.12)', () => {
  it('round-trips; names its organisation in the key name', () => {
    const n = { org: 'acme', person: 'carol@acme.example', at: 1_700_000_000_000 }
    expect(erasureNoticeText(n)).toBe('candor/org-erasure/v1\norg acme\nperson carol@acme.example\nat 1700000000000\n')
    expect(parseErasureNoticeText(erasureNoticeText(n))).toEqual(n)
    expect(orgErasureKeyName('acme')).toBe('candor/org-erasure/acme')
  })
  it('refuses anything else: another header, a bad org or user id, extra lines, a non-canonical time', () => {
    const ok = erasureNoticeText({ org: 'acme', person: 'carol@acme.example', at: 5 })
    for (const bad of [
      ok.replace('v1', 'v2'),
      ok.replace('org acme', 'org ACME'),
      ok.replace('person carol@acme.example', 'person '),
      `${ok}extra\n`,
      ok.replace('at 5', 'at 05'),
      ok.slice(0, -1),
    ]) expect(parseErasureNoticeText(bad), bad).toBeNull()
  })
})

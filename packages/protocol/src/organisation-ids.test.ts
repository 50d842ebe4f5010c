// The organisation id and the verified-domain parsers: canonical text only, never rewritten.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { DEFAULT_ORG_ID, isOrgId, parseOrgId } from './ids.ts'
import { parseDomain, userIdDomain } from './user-id.ts'
import { createOrganisationRequest } from './organisations.ts'
import type { UserId } from './ids.ts'

describe('OrgId', () => {
  it('accepts 1-63 of a-z 0-9 -, starting with a letter or digit', () => {
    for (const ok of ['default', 'acme', 'a', '0-day', 'a'.repeat(63)]) expect(parseOrgId(ok)).toBe(ok)
    expect(DEFAULT_ORG_ID).toBe('default')
    for (const bad of ['', '-acme', 'Acme', 'acme_ltd', 'a'.repeat(64), 'acme.example', ' acme', 7, null]) {
      expect(isOrgId(bad)).toBe(false)
      expect(() => parseOrgId(bad)).toThrow(/org: must be 1-63/)
    }
  })

  it('a parsed id is exactly its input (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 70 }), (s) => !isOrgId(s) || parseOrgId(s) === s))
  })
})

describe('domains', () => {
  it('parses a domain as user ids have them, and takes the domain of an id', () => {
    expect(parseDomain('acme.example')).toBe('acme.example')
    for (const bad of ['acme', 'ACME.example', '-a.example', 'a..example', `${'a'.repeat(64)}.example`, '']) expect(() => parseDomain(bad)).toThrow(/^domain: /)
    expect(() => parseDomain(`${'a.'.repeat(127)}ab`)).toThrow(/at most 253/)
    expect(userIdDomain('alice@acme.example' as UserId)).toBe('acme.example')
    expect(userIdDomain('alice' as UserId)).toBeNull()
  })

  it('an organisation’s name may not hold control characters', () => {
    expect(createOrganisationRequest.safeParse({ id: 'acme', name: 'Acme\nLtd' }).success).toBe(false)
    expect(createOrganisationRequest.safeParse({ id: 'acme', name: 'Acme Ltd', signup: 'open' }).success).toBe(true)
    expect(createOrganisationRequest.safeParse({ id: 'acme', name: 'Acme', extra: 1 }).success).toBe(false)
  })
})

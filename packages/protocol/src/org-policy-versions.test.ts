import { describe, expect, it } from 'vitest'
import { DEFAULT_ORG_POLICY } from './org-policy.ts'
import { orgPolicyVersionsResponse, policyDiff } from './org-policy-versions.ts'

describe('policyDiff', () => {
  it('names nothing for equal policies', () => {
    expect(policyDiff(DEFAULT_ORG_POLICY, structuredClone(DEFAULT_ORG_POLICY))).toEqual([])
  })
  it('names each changed leaf by its dotted path, arrays compared whole, in field order', () => {
    const after = structuredClone(DEFAULT_ORG_POLICY)
    after.contacts.guests.expiryDays = 30
    after.contacts.partners = ['globex' as never]
    after.approvals.required = ['users.read']
    expect(policyDiff(DEFAULT_ORG_POLICY, after)).toEqual([
      { path: 'contacts.partners', before: [], after: ['globex'] },
      { path: 'contacts.guests.expiryDays', before: null, after: 30 },
      { path: 'approvals.required', before: [], after: ['users.read'] },
    ])
  })
})

describe('orgPolicyVersionsResponse', () => {
  it('refuses version 0 and extra fields', () => {
    expect(orgPolicyVersionsResponse.safeParse({ org: 'a', versions: [{ version: 0, since: 1, createdBy: 'x', auditIndex: 0 }] }).success).toBe(false)
    expect(orgPolicyVersionsResponse.safeParse({ org: 'a', versions: [], extra: 1 }).success).toBe(false)
    expect(orgPolicyVersionsResponse.safeParse({ org: 'a', versions: [{ version: 1, since: 1, createdBy: 'x', auditIndex: 0 }] }).success).toBe(true)
  })
})

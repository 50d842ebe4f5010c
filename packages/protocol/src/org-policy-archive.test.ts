// The policy's archive field (docs/protocol.md §11.2): versions signed before it still parse;
// the account, its archive key and the listed people are checked field by field.
import { describe, expect, it } from 'vitest'
import { DEFAULT_ORG_POLICY, archivePolicyOf, orgPolicySchema, parsePolicyNoteText, policyNoteText } from './org-policy.ts'

const key = 'A'.repeat(43)
const withArchive = (archive: unknown) => ({ ...DEFAULT_ORG_POLICY, archive })

describe('the policy’s archive field', () => {
  it('a policy without the new fields still parses, and names no archive', () => {
    const p = orgPolicySchema.parse(withArchive({ required: 'external' }))
    expect(archivePolicyOf(p)).toEqual({ required: 'external', account: null, archiveKey: null, people: [], retentionDays: null })
  })

  it('names the account, its key and the listed people; survives the signed note', () => {
    const p = orgPolicySchema.parse(withArchive({ required: 'listed', account: 'archive@acme.example', archiveKey: key, people: ['alice@acme.example'], retentionDays: 2555 }))
    const again = parsePolicyNoteText(policyNoteText('acme', 3, 1, p))!
    expect(archivePolicyOf(again.policy)).toEqual({ required: 'listed', account: 'archive@acme.example', archiveKey: key, people: ['alice@acme.example'], retentionDays: 2555 })
  })

  it('refuses a bad account, key, person, requirement or an unknown field', () => {
    for (const bad of [
      { required: 'sometimes' },
      { required: 'all', account: 'Not A User!' },
      { required: 'all', account: 'archive@acme.example', archiveKey: 'short' },
      { required: 'listed', people: ['no spaces allowed'] },
      { required: 'all', extra: true },
      { required: 'all', retentionDays: 0 },
      { required: 'all', retentionDays: 1.5 },
    ]) {
      expect(orgPolicySchema.safeParse(withArchive(bad)).success, JSON.stringify(bad)).toBe(false)
    }
  })
})

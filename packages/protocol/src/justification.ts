// Why an administrator accesses someone's data: a closed list of codes that goes into the
// access receipt the person reads.
import { fieldError } from './field-error.ts'

export const JUSTIFICATIONS = [
  'support_request',
  'security_investigation',
  'abuse_report',
  'legal_obligation',
  'legal_hold',
  'compliance_export',
  'account_recovery',
  'subject_request',
] as const
export type Justification = (typeof JUSTIFICATIONS)[number]

export function isJustification(v: unknown): v is Justification {
  return typeof v === 'string' && (JUSTIFICATIONS as readonly string[]).includes(v)
}

export function parseJustification(v: unknown, field = 'why'): Justification {
  if (!isJustification(v)) throw fieldError(field, `must be one of ${JUSTIFICATIONS.join(', ')}`)
  return v
}

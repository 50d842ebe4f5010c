// Test fixtures for moving server secrets out of the database: the meta rows older versions
// kept them in, and a full set of such rows with random values.
import { randomBytes, toBase64Url } from '@candor/protocol'
import type { LegacySecretName, LegacySecrets } from '@candor/ports'

export const LEGACY_SECRET_NAMES = Object.keys({
  'token-secret': 1,
  'directory-signing-key': 1,
  'directory-vrf-key': 1,
  'access-log-signing-key': 1,
  'access-pseudonym-key': 1,
  'admin-enrolment-secret': 1,
} satisfies Record<LegacySecretName, 1>) as LegacySecretName[]

/** Every legacy secret, each 32 random bytes as base64url (as older versions stored them). */
export function randomLegacySecrets(): Required<LegacySecrets> {
  return Object.fromEntries(LEGACY_SECRET_NAMES.map((n) => [n, toBase64Url(randomBytes(32))])) as Required<LegacySecrets>
}

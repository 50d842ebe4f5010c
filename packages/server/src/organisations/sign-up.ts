// The one decision registration asks of organisations: where a new user belongs. A user id
// `local@domain` can be created only through the sign-up of the organisation that verified
// `domain` (if one did); an id without a domain, or of a domain no organisation verified, is
// created in the organisation whose sign-up it came through (`default` unless the request names
// one). That sign-up must be open: `open` makes members, `guests` makes guests, `closed` no one.
import { CandorError, DEFAULT_ORG_ID, userIdDomain, type OrgId, type UserId } from '@candor/protocol'
import type { NewMembership, Store } from '@candor/ports'

export async function membershipOfNewUser(store: Store, userId: UserId, via: OrgId | undefined): Promise<NewMembership> {
  const orgId = via ?? DEFAULT_ORG_ID
  const org = await store.getOrganisation(orgId)
  // An organisation that does not exist is refused like a closed one: sign-up says nothing of which exist.
  if (!org || org.signup === 'closed') throw new CandorError('forbidden', `sign-up to the organisation ${orgId} is closed`)
  const domain = userIdDomain(userId)
  if (domain !== null) {
    const owner = await store.organisationOfDomain(domain)
    if (owner !== null && owner !== orgId) throw new CandorError('forbidden', `${domain} is a verified domain of another organisation: sign up through that organisation`)
  }
  return { org: orgId, guest: org.signup === 'guests' }
}

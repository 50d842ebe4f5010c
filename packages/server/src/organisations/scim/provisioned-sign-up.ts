// Registration of a person an organisation provisioned over SCIM: they belong to that
// organisation whatever its sign-up (a closed sign-up still lets them in), and nowhere else; a
// deactivated person may not register; a reactivated one whose devices were all revoked registers
// a first device again (Store.addProvisionedDevice). Not provisioned: sign-up.ts decides.
import { CandorError, type OrgId, type UserId } from '@candor/protocol'
import type { NewMembership, Store } from '@candor/ports'

export type ProvisionedRegistration = { kind: 'new'; membership: NewMembership } | { kind: 'rejoin' }

export async function provisionedRegistration(store: Store, userId: UserId, via: OrgId | undefined): Promise<ProvisionedRegistration | null> {
  const p = await store.scimUserOf(userId)
  if (!p) return null
  if (via !== undefined && via !== p.org) throw new CandorError('forbidden', `${userId} is provisioned by its organisation: register through it`)
  if (!p.active) throw new CandorError('forbidden', 'this account is deactivated by its organisation')
  if (await store.userExists(userId)) {
    if (!p.rejoin) throw new CandorError('user_exists', `user ${userId} already exists`)
    return { kind: 'rejoin' }
  }
  return { kind: 'new', membership: { org: p.org, guest: false } }
}

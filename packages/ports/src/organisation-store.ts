// Organisations (tenants): their sign-up mode, verified domains and each user's membership.
// Part of the Store; their identity providers are in sso-store.ts.
import type { OrgId, SignupMode, UserId } from '@candor/protocol'

/** Organisations and memberships (part of Store). */
export interface OrganisationStore {
  /** Creates an organisation with no domains; false if the id exists. */
  createOrganisation(org: NewOrganisation): Promise<boolean>
  /** The organisation with its verified domains (sorted), or null. */
  getOrganisation(org: OrgId): Promise<OrganisationRecord | null>
  /** Every organisation, by id. */
  listOrganisations(): Promise<OrganisationRecord[]>
  /** Sets who may register through the organisation's sign-up; false if there is no such organisation. */
  setSignup(org: OrgId, signup: SignupMode): Promise<boolean>
  /**
   * Records a domain as verified by the organisation. 'taken': another organisation verified it
   * (a domain belongs to one organisation); 'unchanged': this one already had it; 'no_org'.
   */
  addDomain(org: OrgId, domain: string, at: number): Promise<'added' | 'unchanged' | 'taken' | 'no_org'>
  /** The organisation that verified the domain, or null. */
  organisationOfDomain(domain: string): Promise<OrgId | null>
  /** How many users have an id `…@domain` and are not in `org`. */
  countDomainUsersElsewhere(domain: string, org: OrgId): Promise<number>
  /** The user's membership, or null when there is no such user. */
  membershipOf(userId: UserId): Promise<Membership | null>
  /** The organisation's people (members and guests) with user id > `after`, by user id, at most `limit`. */
  listMembers(org: OrgId, after: UserId | null, limit: number): Promise<Membership[]>
  /** The organisation's members (not guests) whose user id starts with `prefix`, by user id, at most `limit`. */
  membersByPrefix(org: OrgId, prefix: string, limit: number): Promise<Membership[]>
}

/** Where a new user belongs: an organisation, as a member or as a guest it hosts. */
export interface NewMembership {
  org: OrgId
  /** A guest is hosted by `org` but not one of its members (their directory entry says `org: null`). */
  guest: boolean
}

export interface Membership extends NewMembership {
  userId: UserId
}

export interface NewOrganisation {
  id: OrgId
  name: string
  signup: SignupMode
  createdAt: number
}

export interface OrganisationRecord extends NewOrganisation {
  /** Domains the operator verified for it, sorted. */
  domains: string[]
}

// SCIM 2.0 provisioning (docs/organisations.md §SCIM): each organisation's bearer tokens (only
// their digests), the people its identity provider provisioned and its groups. `Store` extends
// this; both adapters implement it and the contract suite (testkit scim-contract.ts) runs on each.
import type { DeviceId, GroupId, OrgId, UserId } from '@candor/protocol'
import type { DeviceRecord } from './device-store.ts'

/** A SCIM bearer token of one organisation; the token itself is shown once and never stored. */
export interface ScimTokenRecord {
  id: string
  org: OrgId
  /** scimTokenDigest of @candor/protocol (sha256 of the token, base64url). */
  digest: string
  createdBy: UserId
  createdAt: number
  revokedAt: number | null
}

/** A person an organisation provisioned: `userId` is the SCIM userName, a Candor user id. */
export interface ScimUserRecord {
  /** The SCIM resource id (random, never reused). */
  id: string
  org: OrgId
  userId: UserId
  externalId: string | null
  active: boolean
  /** The resource's other attributes (name, displayName, emails, …) as JSON text, opaque to the store. */
  attributes: string
  /** 1 at creation, one more with each change: the ETag W/"version". */
  version: number
  createdAt: number
  updatedAt: number
  /** Reactivated (active false → true): the person may register a first device again, once, while no device of theirs is active. */
  rejoin: boolean
}

export type NewScimUser = Pick<ScimUserRecord, 'id' | 'org' | 'userId' | 'externalId' | 'active' | 'attributes' | 'createdAt'>

export interface ScimUserChange {
  externalId: string | null
  active: boolean
  attributes: string
  at: number
}

export interface ScimGroupRecord {
  id: string
  org: OrgId
  displayName: string
  externalId: string | null
  /** SCIM user ids (live users of the same organisation), sorted. */
  members: string[]
  version: number
  createdAt: number
  updatedAt: number
}

export type NewScimGroup = Pick<ScimGroupRecord, 'id' | 'org' | 'displayName' | 'externalId' | 'members' | 'createdAt'>

export interface ScimGroupChange {
  displayName: string
  externalId: string | null
  members: readonly string[]
  at: number
}

/** A conversation that follows a SCIM group of its organisation (docs/protocol.md §5.9). */
export interface DirectoryLinkRecord {
  org: OrgId
  groupId: GroupId
  scimGroupId: string
  linkedBy: UserId
  linkedAt: number
}

/** One page of a list, and how many match in all. */
export interface ScimPage<T> {
  total: number
  items: T[]
}

/** `version`: the record when its version is this one, else 'version_mismatch'; null: any version. */
export type IfVersion = number | null

export type ScimUserCreation = 'created' | 'user_name_taken' | 'external_id_taken' | 'reserved'

export interface ScimStore {
  createScimToken(t: ScimTokenRecord): Promise<void>
  /** The token with this digest, revoked or not, or null. */
  scimTokenByDigest(digest: string): Promise<ScimTokenRecord | null>
  /** The organisation's tokens, oldest first (revoked ones too). */
  listScimTokens(org: OrgId): Promise<ScimTokenRecord[]>
  /** Revokes the organisation's token; false when it has no such token (another organisation's included) or it was revoked already. */
  revokeScimToken(org: OrgId, id: string, at: number): Promise<boolean>

  /**
   * Provisions a person, in one transaction: 'user_name_taken' when a provisioned person holds
   * the user id, when a user of that id exists in another organisation or as a guest, or when the
   * id's user was provisioned before under another externalId (another person); 'external_id_taken'
   * when another person of the organisation has the externalId; 'reserved' for the id of an erased
   * account, unless this organisation provisioned that account under the same (non-null)
   * externalId. An existing member of the organisation is linked (with `rejoin` when the person
   * is active and none of their devices is: they may register a device again). Refusals change nothing.
   */
  createScimUser(u: NewScimUser): Promise<ScimUserCreation>
  /** The organisation's provisioned person (deleted ones are not), or null. */
  getScimUser(org: OrgId, id: string): Promise<ScimUserRecord | null>
  /** The provisioned person holding this user id, in whichever organisation, or null. */
  scimUserOf(userId: UserId): Promise<ScimUserRecord | null>
  /** The organisation's provisioned people matching every given field, by creation, `offset` skipped, at most `limit`. */
  listScimUsers(org: OrgId, where: { userId?: UserId; externalId?: string }, offset: number, limit: number): Promise<ScimPage<ScimUserRecord>>
  /**
   * Changes a provisioned person (their user id never changes) in one transaction, version + 1.
   * Active false → true sets `rejoin`; → false clears it. Devices are revoked by the caller
   * (revokeDevice), not here.
   */
  updateScimUser(org: OrgId, id: string, change: ScimUserChange, ifVersion: IfVersion): Promise<ScimUserRecord | 'not_found' | 'version_mismatch' | 'external_id_taken'>
  /**
   * Deletes a provisioned person: out of every group of the organisation (each such group's version
   * + 1), then gone from every read. When the user account exists, its user id and externalId are
   * kept (hidden) so only the same person may be provisioned under that id again.
   */
  deleteScimUser(org: OrgId, id: string, ifVersion: IfVersion): Promise<ScimUserRecord | 'not_found' | 'version_mismatch'>
  /**
   * A reactivated person's new first device, in one transaction: added (active, with a directory
   * update) only when the user exists, is provisioned, active and `rejoin`, in the organisation
   * they belong to, and has no active device; `rejoin` is then cleared. False, changing nothing, otherwise.
   */
  addProvisionedDevice(device: DeviceRecord): Promise<boolean>
  /** The user's devices that are active (for deprovisioning). */
  activeDevicesOf(userId: UserId): Promise<DeviceId[]>

  /** 'unknown_member' when a member is no provisioned person of the organisation; nothing is stored then. */
  createScimGroup(g: NewScimGroup): Promise<'created' | 'unknown_member'>
  getScimGroup(org: OrgId, id: string): Promise<ScimGroupRecord | null>
  listScimGroups(org: OrgId, where: { displayName?: string; externalId?: string }, offset: number, limit: number): Promise<ScimPage<ScimGroupRecord>>
  updateScimGroup(org: OrgId, id: string, change: ScimGroupChange, ifVersion: IfVersion): Promise<ScimGroupRecord | 'not_found' | 'version_mismatch' | 'unknown_member'>
  /** Deletes the group and every conversation's link to it. */
  deleteScimGroup(org: OrgId, id: string, ifVersion: IfVersion): Promise<ScimGroupRecord | 'not_found' | 'version_mismatch'>

  /**
   * Links a conversation to a SCIM group (replacing its link, if any): 'unknown_group' when the
   * organisation has no such SCIM group, nothing stored then.
   */
  setDirectoryLink(link: DirectoryLinkRecord): Promise<'linked' | 'unknown_group'>
  /** False when the conversation has no link in this organisation. */
  deleteDirectoryLink(org: OrgId, groupId: GroupId): Promise<boolean>
  /** The organisation's links, oldest first. */
  listDirectoryLinks(org: OrgId): Promise<DirectoryLinkRecord[]>
  /** The conversation's link (in whichever organisation), or null. */
  directoryLinkOf(groupId: GroupId): Promise<DirectoryLinkRecord | null>
  /** The conversations linked to this SCIM group. */
  linksOfScimGroup(org: OrgId, scimGroupId: string): Promise<DirectoryLinkRecord[]>
  /** The organisation's SCIM groups this provisioned person (SCIM user id) is a member of. */
  scimGroupsOfUser(org: OrgId, scimUserId: string): Promise<ScimGroupRecord[]>
}

// The storage interface of the server. Adapters (store-sqlite, store-postgres) implement it;
// the shared contract suite (@candor/testkit/store-contract) runs against every adapter.
// Store is composed of one interface per area, each in a file named for it (device-store.ts,
// group-store.ts, delivery-queue-store.ts, …); what is left here is the store's own: closing it,
// meta values, legacy secrets, nonces, and the storages reached through it (contacts(), …).
import type { ScimStore } from './scim-store.ts'
import type { InviteStorage } from './invite-storage.ts'
import type { ContactStorage } from './contact-storage.ts'
import type { AccountRecoveryStorage } from './account-recovery-storage.ts'
import type { GovernanceStorage } from './governance-storage.ts'
import type { ComplianceStorage } from './compliance-storage.ts'
import type { PushSubscriptionStorage } from './push-storage.ts'
import type { OrgDeviceStorage } from './org-device-storage.ts'
import type { DeviceStore } from './device-store.ts'
import type { EnrolmentStore } from './enrolment-store.ts'
import type { KeyDirectoryStore } from './key-directory-store.ts'
import type { KeyPackageStore } from './key-package-store.ts'
import type { GroupStore } from './group-store.ts'
import type { DeliveryQueueStore } from './delivery-queue-store.ts'
import type { AccessLogStore } from './access-log-store.ts'
import type { AdminStore } from './admin-store.ts'
import type { OrganisationStore } from './organisation-store.ts'
import type { SsoStore } from './sso-store.ts'
import type { ErasureStore } from './erasure-store.ts'
import type { ConsentStore } from './consent-store.ts'
import type { RetentionStore } from './retention-store.ts'
import type { BlobBindingStore } from './blob-binding-store.ts'

/**
 * Meta rows under which versions before the key file kept the server's secrets. (A type only:
 * each adapter lists them as `Record<LegacySecretName, …>` keys, so the compiler keeps the lists whole.)
 */
export type LegacySecretName =
  | 'token-secret'
  | 'directory-signing-key'
  | 'directory-vrf-key'
  | 'access-log-signing-key'
  | 'access-pseudonym-key'
  | 'admin-enrolment-secret'
/** Each present legacy secret as it was stored: base64url of 32 random bytes. */
export type LegacySecrets = Partial<Record<LegacySecretName, string>>

export interface Store
  extends ScimStore,
    DeviceStore,
    EnrolmentStore,
    KeyDirectoryStore,
    KeyPackageStore,
    GroupStore,
    DeliveryQueueStore,
    AccessLogStore,
    AdminStore,
    OrganisationStore,
    SsoStore,
    ErasureStore,
    ConsentStore,
    RetentionStore,
    BlobBindingStore {
  close(): Promise<void>

  /**
   * Value stored under key, creating it with `create()` first if absent. Never a secret (those
   * live in the key file): e.g. the public keys the database is served with.
   */
  getOrCreateMeta(key: string, create: () => string): Promise<string>

  /**
   * The server secrets that versions before the key file kept in the store (meta rows under
   * LEGACY_SECRET_NAMES); empty once they have moved out. Read only to move them to the key file.
   */
  legacySecrets(): Promise<LegacySecrets>
  /**
   * Deletes those rows and then the older images of them the engine keeps (SQLite: zeroed by
   * secure_delete, WAL truncated; PostgreSQL: the table rewritten), so a copy of the database
   * files taken afterwards holds none of them. Idempotent.
   */
  eraseLegacySecrets(): Promise<void>

  /** Records a single-use nonce; false if it was seen before (a replay). */
  consumeNonce(nonce: string, expiresAt: number): Promise<boolean>

  /** Contacts, blocks, contact requests and their held deliveries (contact-storage.ts). */
  contacts(): ContactStorage
  /** Invite links (invite-storage.ts). */
  invites(): InviteStorage
  /** Recovery keys and sealed history archives (account-recovery-storage.ts). */
  accountRecovery(): AccountRecoveryStorage
  /** An organisation's audit trail, SIEM settings, approvals and policy versions (governance-storage.ts). */
  governance(): GovernanceStorage
  /** Archive key shares, unlock requests and their approvals, legal holds (compliance-storage.ts). */
  compliance(): ComplianceStorage
  /** Web Push subscriptions of devices (push-storage.ts). */
  pushSubscriptions(): PushSubscriptionStorage
  /** Devices held for an admin's approval, last-seen days, expired guests (org-device-storage.ts). */
  orgDevices(): OrgDeviceStorage
}

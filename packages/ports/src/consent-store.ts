// The consent ledger (data ownership): each user's signed consent records. Part of the Store.
import type { UserId } from '@candor/protocol'

export interface StoredConsent {
  seq: number
  record: string
  signature: Uint8Array
  at: number
}

/** The consent ledger (part of Store). */
export interface ConsentStore {
  /** Appends a signed consent record (opaque to the store) to the user's ledger; returns its seq. */
  appendConsent(userId: UserId, record: string, signature: Uint8Array, at: number): Promise<number>
  /** The user's ledger, oldest first. Erasing the user deletes it. */
  listConsents(userId: UserId): Promise<StoredConsent[]>
}

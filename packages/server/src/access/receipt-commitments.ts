// The commitment to a person's access receipts that their key-directory entry carries (§3
// `receipts`). The store keeps each person's tally: every receipt readable by them gets the next
// position, 1, 2, …, once, and the entry commits to the count and the last leaf's hash under
// the person's salt. Their client, which monitors its own entry anyway, recomputes the
// commitment of every version from the receipts it is handed, so a receipt the server (or
// someone with the database) keeps from them shows; see docs/data-ownership.md.
import { createHmac } from 'node:crypto'
import { receiptsCommitment, utf8, type UserId } from '@candor/protocol'
import type { Store } from '@candor/ports'

const SALT_DOMAIN = 'candor/receipts-salt/v1\0'

export class ReceiptCommitments {
  readonly #store: Store
  readonly #saltKey: Buffer
  /** The access gate's clock: what is readable, and so tallied, is decided by it. */
  readonly now: () => number

  /** `saltKey` comes from the server's keys (receiptsSaltKey), never from the database. */
  constructor(store: Store, saltKey: Uint8Array, now: () => number = Date.now) {
    this.#store = store
    this.#saltKey = Buffer.from(saltKey)
    this.now = now
  }

  /**
   * The person's salt. Derived rather than stored per person, so every node agrees on it without
   * a table; it is handed to the person with their receipts and hides the count from anyone
   * else who looks them up. Whoever holds the database learns no more than the counts its
   * access-log rows already show.
   */
  salt(userId: UserId): Uint8Array {
    return new Uint8Array(createHmac('sha256', this.#saltKey).update(utf8(SALT_DOMAIN + userId)).digest())
  }

  /** Tallies the person's newly readable receipts and returns what their entry commits to. */
  async commitment(userId: UserId): Promise<string> {
    const tally = await this.#store.tallyAccessReceipts(userId, this.now())
    return receiptsCommitment(this.salt(userId), tally.count, tally.last)
  }
}

// Consent to be contacted (docs/protocol.md §5.5), the person's side: the requests strangers'
// first conversations became (accept: they become contacts and what was held arrives, in order;
// decline: dropped, and the sender is not told), contacts added by hand, and blocks.
import { addContactResponse, blockResponse, blocksResponse, contactRequestsResponse, settleRequestResponse, type ContactRequestInfo, type SettleRequestResponse } from '@candor/protocol'
import type { DataApi } from './data/data-api.ts'

export class ContactRequests {
  readonly #data: DataApi

  constructor(data: DataApi) {
    this.#data = data
  }

  /** This person's pending requests, oldest first: who, which conversation, how many messages wait. */
  async list(): Promise<ContactRequestInfo[]> {
    return (await this.#data.call(contactRequestsResponse, 'GET', '/v1/requests')).requests
  }

  /** Accepts: the sender becomes a contact both ways and the held messages are delivered in order. */
  accept(requestId: string): Promise<SettleRequestResponse> {
    return this.#data.call(settleRequestResponse, 'POST', `/v1/requests/${encodeURIComponent(requestId)}/accept`)
  }

  /** Declines: the held messages are dropped; the sender learns nothing. */
  decline(requestId: string): Promise<SettleRequestResponse> {
    return this.#data.call(settleRequestResponse, 'POST', `/v1/requests/${encodeURIComponent(requestId)}/decline`)
  }

  /** Makes `userId` a contact: their first conversation with this person needs no request. */
  async addContact(userId: string): Promise<boolean> {
    return (await this.#data.call(addContactResponse, 'PUT', `/v1/contacts/${encodeURIComponent(userId)}`)).added
  }

  /** Blocks `userId`: their messages and new requests to this person are silently not delivered. */
  async block(userId: string): Promise<void> {
    await this.#data.call(blockResponse, 'PUT', `/v1/blocks/${encodeURIComponent(userId)}`)
  }

  async unblock(userId: string): Promise<void> {
    await this.#data.call(blockResponse, 'DELETE', `/v1/blocks/${encodeURIComponent(userId)}`)
  }

  async blocks(): Promise<Array<{ userId: string; at: number }>> {
    return (await this.#data.call(blocksResponse, 'GET', '/v1/blocks')).blocks
  }
}

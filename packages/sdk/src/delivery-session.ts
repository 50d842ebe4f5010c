// The device's delivery session (what CandorClient did inline): the socket (connection.ts) and
// the queue of deliveries (delivery-queue.ts), connecting and syncing, the server's notices, how
// a session ends, and handing each delivery to incoming.ts under the MLS lock.
import { CandorError, type DeliverFrame, type Notice, type SessionEndReason } from '@candor/protocol'
import type { ApiClient } from './api-client.ts'
import type { CandorClient } from './client.ts'
import type { ClientParts } from './client-parts.ts'
import type { ClientOptions } from './client-types.ts'
import { Connection, type ConnectionState } from './connection.ts'
import { DeliveryQueue } from './delivery-queue.ts'
import type { Identity } from './identity.ts'
import { processDelivery } from './incoming.ts'
import { sessionResumes } from './session-ended-text.ts'
import type { MlsSuites } from '@candor/crypto'

export interface DeliverySessionDeps {
  client: CandorClient
  opts: ClientOptions
  api: ApiClient
  identity: Identity
  suites: MlsSuites
  parts: ClientParts
}

export class DeliverySession {
  readonly #d: DeliverySessionDeps
  #connection: Connection | undefined
  #queue: DeliveryQueue | undefined
  #synced: Array<() => void> = []
  #isSynced = false
  /** How the session last ended, once it did; only one final ending is told. */
  #ended: SessionEndReason | undefined

  constructor(deps: DeliverySessionDeps) {
    this.#d = deps
  }

  get state(): ConnectionState {
    return this.#connection?.state ?? 'offline'
  }

  /** The socket, while there is one. */
  connection(): Connection | undefined {
    return this.#connection
  }

  /** Resolves once the deliveries queued so far are processed. */
  async idle(): Promise<void> {
    await this.#queue?.idle()
  }

  /** Connects the delivery socket; resolves once everything queued for this device is processed. */
  async connect(): Promise<void> {
    const { client, identity, parts } = this.#d
    if (identity.status !== 'active') throw new CandorError('forbidden', 'this device is not approved yet')
    parts.timer.startSweep()
    if (!this.#connection) {
      const api = this.#d.api
      const endpoint = { url: `${api.baseUrl.replace(/^http/, 'ws')}/v1/ws`, session: (outlives?: number) => api.session(outlives), forgetSession: () => api.forgetSession() }
      // Each delivery is acknowledged on the connection it came from once it is handled (delivery-queue.ts).
      let connection: Connection | undefined = undefined
      const queue = (this.#queue = new DeliveryQueue({
        process: (f) => this.#onDeliver(f),
        ack: (seq) => connection?.ack(seq),
        // Group states the batch's messages advanced, written before any of them is acknowledged.
        save: () => (parts.conversations.hasDeferred ? parts.lock.run(() => parts.conversations.saveDeferred()) : Promise.resolve()),
        saveFailed: (error) => client.emit('error', { where: 'saving group state (the messages it holds are kept, to be acknowledged once saved)', error }),
        held: (f, error) => client.emit('error', { where: `processing message ${f.messageId} (kept, to be retried)`, error }),
      }))
      connection = this.#connection = new Connection(endpoint, this.#d.opts.webSocket, {
        onDeliver: (f) => queue.push(f),
        onNotice: (n) => this.#onNotice(n),
        onEphemeral: (f) => void parts.typing.received(f).catch((error: unknown) => client.emit('error', { where: 'typing indicator', error })),
        onSessionEnded: (reason) => this.#onSessionEnded(reason),
        onState: (s) => {
          if (s !== 'online') this.#isSynced = false
          // What failed while the network was away may well go through now.
          else queue.retryNow()
          client.emit('connection', s)
        },
      })
      connection.start()
    }
    await this.#connection.whenOnline()
    // A commit this device posted before it stopped, whose answer it never had: adopt or drop it.
    await parts.lock.run(() => parts.pending.settleAll())
    await client.sync()
    // History asked for a held device an admin approved (or declined) while this device was away (§4.2).
    void client.sendHeldHistories()
    void parts.keyPackages.topUp().catch((error: unknown) => client.emit('error', { where: 'key packages', error }))
  }

  /** Resolves when the server has pushed everything queued so far and it has been processed. */
  async sync(timeoutMs = 15_000): Promise<void> {
    if (!this.#isSynced) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new CandorError('unavailable', 'timed out waiting for the server to sync')), timeoutMs)
        this.#synced.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
    await this.#queue?.idle()
    await this.#d.parts.lock.run(async () => undefined)
    await this.#d.client.checkOwnDevices()
  }

  /** Closes the queue and the socket (the client closes its other parts first). */
  close(): void {
    this.#queue?.close()
    this.#queue = undefined
    this.#connection?.close()
    this.#connection = undefined
  }

  /** Reconnects at once instead of waiting out the backoff (e.g. when the network comes back). */
  reconnectNow(): void {
    this.#connection?.retryNow()
  }

  /** Simulates a network drop (the connection comes back by itself). */
  drop(): void {
    this.#connection?.drop()
  }

  #onNotice(n: Notice): void {
    const { client, parts } = this.#d
    switch (n.kind) {
      case 'synced':
        this.#isSynced = true
        for (const f of this.#synced.splice(0)) f()
        return
      case 'key_packages_low':
        void parts.keyPackages.topUp().catch((error: unknown) => client.emit('error', { where: 'key packages', error }))
        return
      case 'enrolment_request':
        client.emit('enrolment', { deviceId: n.requestId })
        return
      case 'device_recovered':
        parts.directory.forget(client.userId)
        client.emit('recovered_device', { deviceId: n.deviceId })
        return
      case 'device_approved':
        // An admin approved a device the organisation held; the device that approved it first adds it.
        parts.directory.forget(client.userId)
        if (n.by === client.deviceId) {
          void parts.devices.addToConversations(n.deviceId).then(
            async () => {
              client.emit('admin_approved_device', { deviceId: n.deviceId })
              // Then the history the person asked for when approving it, if any (§4.2).
              await client.sendHeldHistory(n.deviceId).catch((error: unknown) => client.emit('error', { where: 'sending history to a device an admin approved', error }))
            },
            (error: unknown) => client.emit('error', { where: 'adding a device an admin approved', error }),
          )
        }
        return
      case 'contact_request':
        client.emit('request', { requestId: n.requestId, from: n.from, groupId: n.groupId })
        return
      case 'request_settled':
        client.emit('request_settled', { requestId: n.requestId, state: n.state })
        return
      case 'legal_holds_changed':
        client.emit('legal_holds', {})
        return
      case 'directory_members':
        client.directoryMembers.received(n)
        return
      case 'device_revoked':
        parts.directory.forget(client.userId)
        // The server says so again (session_ended) just before it closes the socket, but a
        // socket closed here first would not read that any more: this is the ending.
        if (n.deviceId === client.deviceId) {
          this.#onSessionEnded('revoked')
          client.close()
        }
    }
  }

  #onSessionEnded(reason: SessionEndReason): void {
    if (this.#ended !== undefined && !sessionResumes(this.#ended)) return
    this.#ended = reason
    this.#d.client.emit('session_ended', { reason })
  }

  /** Processes a delivery under the MLS lock; rejects only on a transient failure (the queue keeps it). */
  async #onDeliver(f: DeliverFrame): Promise<void> {
    const { client, parts } = this.#d
    await parts.lock.run(() =>
      processDelivery(
        {
          suites: this.#d.suites,
          config: parts.config,
          authentication: parts.authentication,
          conversations: parts.conversations,
          keyPackages: parts.keyPackages,
          userId: client.userId,
          emit: (event, e) => client.emit(event, e),
          onLeave: (conversation, who) => parts.messaging.onLeave(conversation, who),
          onJoin: (conversation) => {
            parts.profiles.announceLater(conversation)
            void parts.timer.learn(conversation).catch((error: unknown) => client.emit('error', { where: 'learning the disappearing timer', error }))
          },
          onTimer: (conversation, ms) => client.emit('timer', { conversation, ms }),
          onProfile: (from, content, sentAt) => parts.profiles.received(from, content, sentAt),
          // Queued beside processing, outside this lock: a check never holds up delivery.
          onSeen: (sender, seen) => {
            if (sender.deviceId !== client.deviceId) parts.splitViews.observe(sender, seen)
          },
          undecryptable: parts.undecryptable,
          onContent: this.#d.opts.onContent,
          pending: parts.pending,
          recovery: parts.recovery,
          features: parts.features,
          groupInvites: client.groupInvites,
          serverRemovals: parts.serverRemovals,
        },
        f,
      ),
    )
  }
}

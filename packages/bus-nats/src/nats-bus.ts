// The Bus over NATS, for several server nodes. Each device connected to this node has two
// subscriptions: its inbox `candor.dev.<deviceId>` (deliveries from other nodes) and
// `candor.presence.<deviceId>` (answers "is it connected?"). A delivery for a device
// connected here skips NATS entirely. The store stays the source of truth: anything the bus
// misses (a node restarting, a NATS blip) the device still fetches from its queue.
import { readFileSync } from 'node:fs'
import { connect, credsAuthenticator, Empty, ErrorCode, NatsError, nkeyAuthenticator, type ConnectionOptions, type NatsConnection, type Subscription } from 'nats'
import type { DeviceId, GroupId, SessionEndReason, UserId } from '@candor/protocol'
import type { Bus, BusDelivery } from '@candor/ports'
import { decodeBlocksChanged, decodeDelivery, decodeGroupChanged, decodeSessionEnded, encodeBlocksChanged, encodeDelivery, encodeGroupChanged, encodeSessionEnded } from './bus-codec.ts'

export const GROUP_CHANGED_SUBJECT = 'candor.group.changed'
export const BLOCKS_CHANGED_SUBJECT = 'candor.blocks.changed'
export const SESSION_ENDED_SUBJECT = 'candor.session.ended'
/** Devices named per session-ended message (a user has at most a few dozen; erasure sends all). */
const SESSION_ENDED_BATCH = 1000
export const deviceSubject = (d: DeviceId): string => `candor.dev.${token(d)}`
export const presenceSubject = (d: DeviceId): string => `candor.presence.${token(d)}`

/** Ids become subject tokens, so nothing but base64url may pass (no `.`, `*`, `>`). */
function token(id: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new Error('device id is not a valid subject token')
  return id
}

interface Local {
  onDelivery: (d: BusDelivery) => void
  subs: Subscription[]
}

/**
 * TLS to NATS. Given at all (even `{}`), the connection must be TLS: a server that does not
 * offer it is refused. `caFile`: the PEM of the CA that signed the server's certificate (the
 * system's CAs otherwise); `certFile` and `keyFile`: this node's client certificate, for servers
 * that verify clients.
 */
export interface NatsTls {
  caFile?: string
  certFile?: string
  keyFile?: string
}

/** How a node proves itself to NATS: a user and password, a token, a .creds file (JWT + NKey) or an NKey seed file. */
export type NatsAuth =
  | { kind: 'user'; user: string; password: string }
  | { kind: 'token'; token: string }
  | { kind: 'creds'; file: string }
  | { kind: 'nkey'; seedFile: string }

export interface NatsBusOptions {
  /** How long isOnline waits for a node to answer before saying no. Default 1000 ms. */
  presenceTimeoutMs?: number
  tls?: NatsTls
  auth?: NatsAuth
  /** How long the first connection attempt may take. Default 10 000 ms. */
  connectTimeoutMs?: number
}

/** The nats.js options for TLS and credentials; files are read here, once, at connect. */
export function natsSecurityOptions(opts: Pick<NatsBusOptions, 'tls' | 'auth'>): Partial<ConnectionOptions> {
  const out: Partial<ConnectionOptions> = {}
  if (opts.tls) {
    if ((opts.tls.certFile === undefined) !== (opts.tls.keyFile === undefined)) throw new Error('a NATS client certificate needs both its certificate and its key file')
    out.tls = { ...opts.tls }
  }
  const a = opts.auth
  if (!a) return out
  switch (a.kind) {
    case 'user':
      return { ...out, user: a.user, pass: a.password }
    case 'token':
      return { ...out, token: a.token }
    case 'creds':
      return { ...out, authenticator: credsAuthenticator(readFileSync(a.file)) }
    case 'nkey':
      return { ...out, authenticator: nkeyAuthenticator(new TextEncoder().encode(readFileSync(a.seedFile, 'utf8').trim())) }
  }
}

export class NatsBus implements Bus {
  readonly #nc: NatsConnection
  readonly #nodeId: string
  readonly #presenceTimeoutMs: number
  readonly #local = new Map<DeviceId, Local>()
  readonly #groupHandlers: Array<(g: GroupId) => void> = []
  readonly #blockHandlers: Array<(u: UserId) => void> = []
  readonly #sessionHandlers: Array<(deviceIds: readonly DeviceId[], reason: SessionEndReason) => void> = []

  private constructor(nc: NatsConnection, nodeId: string, opts: NatsBusOptions) {
    this.#nc = nc
    this.#nodeId = nodeId
    this.#presenceTimeoutMs = opts.presenceTimeoutMs ?? 1000
    nc.subscribe(GROUP_CHANGED_SUBJECT, {
      callback: (err, msg) => {
        if (err) return
        const m = decodeGroupChanged(msg.data)
        // Handlers on this node already ran when it published.
        if (m && m.origin !== this.#nodeId) this.#groupChanged(m.groupId)
      },
    })
    nc.subscribe(BLOCKS_CHANGED_SUBJECT, {
      callback: (err, msg) => {
        if (err) return
        const m = decodeBlocksChanged(msg.data)
        if (m && m.origin !== this.#nodeId) this.#blocksChanged(m.blocked)
      },
    })
    nc.subscribe(SESSION_ENDED_SUBJECT, {
      callback: (err, msg) => {
        if (err) return
        const m = decodeSessionEnded(msg.data)
        if (m && m.origin !== this.#nodeId) this.#sessionEnded(m.deviceIds, m.reason)
      },
    })
  }

  /** Connects to NATS; reconnects forever, re-subscribing, if the connection drops later. */
  static async connect(url: string, nodeId: string, opts: NatsBusOptions = {}): Promise<NatsBus> {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(nodeId)) throw new Error('node id must be 1-64 of [A-Za-z0-9._-]')
    const nc = await connect({
      servers: url,
      name: `candor-${nodeId}`,
      maxReconnectAttempts: -1,
      timeout: opts.connectTimeoutMs ?? 10_000,
      ...natsSecurityOptions(opts),
    })
    return new NatsBus(nc, nodeId, opts)
  }

  subscribeDevice(deviceId: DeviceId, onDelivery: (d: BusDelivery) => void): () => void {
    const existing = this.#local.get(deviceId)
    // A reconnect on this node replaces the handler; the subscriptions stay.
    const entry: Local = { onDelivery, subs: existing?.subs ?? this.#subscribe(deviceId) }
    this.#local.set(deviceId, entry)
    return () => {
      if (this.#local.get(deviceId) !== entry) return
      this.#local.delete(deviceId)
      for (const s of entry.subs) s.unsubscribe()
    }
  }

  #subscribe(deviceId: DeviceId): Subscription[] {
    const inbox = this.#nc.subscribe(deviceSubject(deviceId), {
      callback: (err, msg) => {
        if (err) return
        const d = decodeDelivery(deviceId, msg.data)
        if (d) this.#local.get(deviceId)?.onDelivery(d)
      },
    })
    const presence = this.#nc.subscribe(presenceSubject(deviceId), {
      callback: (err, msg) => {
        if (!err && this.#local.has(deviceId)) msg.respond(Empty)
      },
    })
    return [inbox, presence]
  }

  publish(deliveries: readonly BusDelivery[]): void {
    for (const d of deliveries) {
      const local = this.#local.get(d.deviceId)
      if (local) local.onDelivery(d)
      // Publishes are buffered by the client and written together on the next tick.
      else if (!this.#nc.isClosed()) this.#nc.publish(deviceSubject(d.deviceId), encodeDelivery(d))
    }
  }

  publishGroupChanged(groupId: GroupId): void {
    this.#groupChanged(groupId)
    if (!this.#nc.isClosed()) this.#nc.publish(GROUP_CHANGED_SUBJECT, encodeGroupChanged(this.#nodeId, groupId))
  }

  onGroupChanged(handler: (groupId: GroupId) => void): void {
    this.#groupHandlers.push(handler)
  }

  #groupChanged(groupId: GroupId): void {
    for (const h of this.#groupHandlers) h(groupId)
  }

  publishBlocksChanged(blocked: UserId): void {
    this.#blocksChanged(blocked)
    if (!this.#nc.isClosed()) this.#nc.publish(BLOCKS_CHANGED_SUBJECT, encodeBlocksChanged(this.#nodeId, blocked))
  }

  onBlocksChanged(handler: (blocked: UserId) => void): void {
    this.#blockHandlers.push(handler)
  }

  #blocksChanged(blocked: UserId): void {
    for (const h of this.#blockHandlers) h(blocked)
  }

  publishSessionEnded(deviceIds: readonly DeviceId[], reason: SessionEndReason): void {
    if (deviceIds.length === 0) return
    this.#sessionEnded(deviceIds, reason)
    if (this.#nc.isClosed()) return
    for (let i = 0; i < deviceIds.length; i += SESSION_ENDED_BATCH) {
      this.#nc.publish(SESSION_ENDED_SUBJECT, encodeSessionEnded(this.#nodeId, deviceIds.slice(i, i + SESSION_ENDED_BATCH), reason))
    }
  }

  onSessionEnded(handler: (deviceIds: readonly DeviceId[], reason: SessionEndReason) => void): void {
    this.#sessionHandlers.push(handler)
  }

  #sessionEnded(deviceIds: readonly DeviceId[], reason: SessionEndReason): void {
    for (const h of this.#sessionHandlers) h(deviceIds, reason)
  }

  async isOnline(deviceId: DeviceId): Promise<boolean> {
    if (this.#local.has(deviceId)) return true
    try {
      await this.#nc.request(presenceSubject(deviceId), Empty, { timeout: this.#presenceTimeoutMs })
      return true
    } catch (e) {
      // No responders: no node has the device. A timeout is treated the same way.
      if (e instanceof NatsError && (e.code === ErrorCode.NoResponders || e.code === ErrorCode.Timeout)) return false
      throw e
    }
  }

  /** Resolves once the server has processed everything this node sent before (tests, shutdown). */
  async flush(): Promise<void> {
    await this.#nc.flush()
  }

  async close(): Promise<void> {
    this.#local.clear()
    if (!this.#nc.isClosed()) await this.#nc.drain()
  }
}

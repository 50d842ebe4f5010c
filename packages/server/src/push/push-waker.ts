// Web Push wake-ups (docs/protocol.md, "Web Push"). When something is queued for a device, the
// waker looks again a little later; if the device still has not acknowledged it (it is offline:
// no node delivered it), and the device registered a push subscription, it sends a push with
// the fixed body {"v":1,"t":"wake"} — no message content, no sender, no conversation — encrypted
// to the subscription's keys (RFC 8291) and signed with the server's VAPID key (RFC 8292).
// At most one push per device per interval on each node (and one check waiting at a time); a push service's 404/410 (the
// subscription is gone) deletes it.
import type { DeviceId } from '@candor/protocol'
import type { BusDelivery, Store } from '@candor/ports'
import type { Logger } from '../logger.ts'

/** The whole body of every push: nothing about who or what. */
export const WAKE_PAYLOAD = JSON.stringify({ v: 1, t: 'wake' })

export interface PushSettings {
  /** The VAPID `sub` claim: a mailto: or https: URL where the push service can reach the operator. */
  subject: string
  /** Accept http:// push endpoints (tests with a receiver on loopback). Never in production. */
  allowHttpEndpoints: boolean
  /** Least time between two pushes to one device (default 60 s). */
  minIntervalMs: number
  /** How long a queued delivery may stay unacknowledged before a push is sent (default 5 s). */
  graceMs: number
  /** How long a push service may keep an undelivered push (TTL, default 1 day). */
  ttlSeconds: number
}

export const DEFAULT_PUSH_SETTINGS: Omit<PushSettings, 'subject'> = { allowHttpEndpoints: false, minIntervalMs: 60_000, graceMs: 5_000, ttlSeconds: 86_400 }

export class PushWaker {
  readonly #store: Store
  readonly #log: Logger
  readonly #settings: PushSettings
  readonly #vapid: { publicKey: string; privateKey: string }
  /** Per device: when the last push went, to bound the rate. */
  readonly #lastPush = new Map<DeviceId, number>()
  /** Devices with a check waiting: later deliveries meanwhile need none of their own. */
  readonly #waiting = new Set<DeviceId>()
  readonly #timers = new Set<NodeJS.Timeout>()
  #closed = false

  constructor(store: Store, log: Logger, vapid: { publicKey: string; privateKey: string }, settings: PushSettings) {
    this.#store = store
    this.#log = log
    this.#vapid = vapid
    this.#settings = settings
  }

  get publicKey(): string {
    return this.#vapid.publicKey
  }

  /** Called with what was just queued and published; cheap: a lookup or two per delivery. */
  queued(deliveries: readonly BusDelivery[]): void {
    if (this.#closed) return
    const now = Date.now()
    for (const d of deliveries) {
      if (this.#waiting.has(d.deviceId)) continue
      const last = this.#lastPush.get(d.deviceId)
      if (last !== undefined && now - last < this.#settings.minIntervalMs) continue
      this.#waiting.add(d.deviceId)
      this.#schedule(d.deviceId, d.seq)
    }
    if (this.#lastPush.size > 100_000) this.#forgetOld(now)
  }

  /** Looks at the device's queue after the grace period; the device stays "waiting" until done. */
  #schedule(deviceId: DeviceId, seq: number): void {
    const t = setTimeout(() => {
      this.#timers.delete(t)
      this.#check(deviceId, seq).then(
        (next) => (next === undefined || this.#closed ? this.#waiting.delete(deviceId) : this.#schedule(deviceId, next)),
        (err: unknown) => {
          this.#waiting.delete(deviceId)
          this.#log.warn({ err, deviceId }, 'web push wake-up failed')
        },
      )
    }, this.#settings.graceMs)
    t.unref()
    this.#timers.add(t)
  }

  close(): void {
    this.#closed = true
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
  }

  /** Sends a push if `seq` is still unacknowledged; returns a later queued seq to look at again, if any. */
  async #check(deviceId: DeviceId, seq: number): Promise<number | undefined> {
    if (this.#closed) return undefined
    // Still queued: the device has not acknowledged it, so no node delivered it.
    const [first] = await this.#store.fetchQueue(deviceId, seq - 1, 1)
    if (!first) return undefined
    // That one was acknowledged, but something queued since (while this check waited, and so
    // not watched by its own) is there: give it its own grace period.
    if (first.seq !== seq) return first.seq
    const sub = await this.#store.pushSubscriptions().get(deviceId)
    if (!sub) return undefined
    const device = await this.#store.getDevice(deviceId)
    if (device?.status !== 'active') return undefined
    this.#lastPush.set(deviceId, Date.now())
    // web-push builds the request (RFC 8291 encryption, RFC 8292 VAPID); it is sent with fetch,
    // which also reaches the http:// receivers of tests on loopback. Loaded with the first push,
    // not at start: a node whose devices never subscribe does without it.
    const webpush = (await import('web-push')).default
    const r = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }, WAKE_PAYLOAD, {
      vapidDetails: { subject: this.#settings.subject, publicKey: this.#vapid.publicKey, privateKey: this.#vapid.privateKey },
      TTL: this.#settings.ttlSeconds,
      contentEncoding: 'aes128gcm',
      urgency: 'high',
    })
    const res = await fetch(r.endpoint, { method: r.method, headers: r.headers as Record<string, string>, body: r.body as Buffer<ArrayBuffer>, redirect: 'error', signal: AbortSignal.timeout(10_000) })
    await res.body?.cancel()
    // The push service says the subscription is gone: so is ours.
    if (res.status === 404 || res.status === 410) await this.#store.pushSubscriptions().delete(deviceId)
    else if (!res.ok) throw new Error(`the push service answered ${res.status}`)
    return undefined
  }

  #forgetOld(now: number): void {
    for (const [d, at] of this.#lastPush) if (now - at >= this.#settings.minIntervalMs) this.#lastPush.delete(d)
  }
}

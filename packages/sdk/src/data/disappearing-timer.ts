// A conversation's disappearing timer from this device: setting it (on the server, then in
// band), reading it, learning it on joining, and the sweep that deletes this device's records
// once their timer has run out.
import { CandorError, isTimerSeconds, newMessageId } from '@candor/protocol'
import type { ClientEvents } from '../client-types.ts'
import type { Conversations } from '../conversations.ts'
import type { Outgoing } from '../message-content.ts'
import type { SerialLock } from '../serial-lock.ts'
import type { DataApi } from './data-api.ts'
import { retentionResponse, timerNotice, timerSeconds } from './retention.ts'

export interface DisappearingTimerDeps {
  data: DataApi
  conversations: Conversations
  /** The lock that serialises every change to this device's MLS states. */
  lock: SerialLock
  me: { userId: string; deviceId: string }
  /** How often expired records are deleted (ms). */
  sweepMs: number
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
  /** Whether the delivery socket has been started (connect() called and not closed since). */
  connected(): boolean
  /** Encrypts and sends a content message to the conversation; resolves to the time the server stamped. */
  send(conversation: string, content: Outgoing): Promise<number>
}

interface Sweep {
  ref: ReturnType<typeof setInterval>
  running: boolean
}

export class DisappearingTimer {
  readonly #d: DisappearingTimerDeps
  #sweep: Sweep | undefined

  constructor(deps: DisappearingTimerDeps) {
    this.#d = deps
  }

  /** See CandorClient.setDisappearingTimer; returns the timer the server applied (ms). */
  async set(conversation: string, seconds: number | null): Promise<number | null> {
    const { conversations, lock, me } = this.#d
    if (seconds !== null && !isTimerSeconds(seconds)) throw new CandorError('bad_request', 'the timer must be a whole number of seconds, or null to turn it off')
    // Checked before the server changes anything: a device that cannot send the timer
    // message must not change the timer behind the members' backs.
    if (conversations.get(conversation)?.meta.status !== 'active') throw new CandorError('not_member', 'this device is not a member of the conversation')
    if (!this.#d.connected()) throw new CandorError('unavailable', 'not connected: call connect() first')
    const r = await this.#d.data.call(retentionResponse, 'PUT', `/v1/groups/${encodeURIComponent(conversation)}/retention`, { body: { seconds } })
    const applied = timerSeconds(r.retentionMs)
    const content: Outgoing = { type: 'timer', id: newMessageId(), sentAt: Date.now(), seconds: applied }
    const sentAt = await this.#d.send(conversation, content)
    const ms = applied === null ? null : applied * 1000
    await lock.run(() => conversations.setTimer(conversation, { ms, setBy: me.userId, setAt: sentAt }))
    const record = timerNotice({ id: content.id, conversation, from: me.userId, fromDevice: me.deviceId, sentAt, direction: 'out', ms })
    if (await conversations.record(record)) this.#d.emit('message', record)
    this.#d.emit('timer', { conversation, ms })
    return r.retentionMs
  }

  /** The timer the server applies to the conversation (ms; null when off). */
  async get(conversation: string): Promise<number | null> {
    return (await this.#d.data.call(retentionResponse, 'GET', `/v1/groups/${encodeURIComponent(conversation)}/retention`)).retentionMs
  }

  /**
   * A device that joins from a Welcome missed the timer messages sent before it: it asks the
   * server once. Any timer message it receives (before or after the answer) wins.
   */
  async learn(conversation: string): Promise<void> {
    const { conversations } = this.#d
    const seconds = timerSeconds(await this.get(conversation))
    await this.#d.lock.run(async () => {
      const c = conversations.get(conversation)
      if (!c || c.meta.timer) return
      const learnt = seconds === null ? null : seconds * 1000
      await conversations.setTimer(conversation, { ms: learnt, setBy: null, setAt: Date.now() })
      this.#d.emit('timer', { conversation, ms: learnt })
    })
  }

  /** Deletes expired records now and then until stopped; never keeps the process alive. */
  startSweep(): void {
    if (this.#sweep) return
    const sweep: Sweep = {
      running: false,
      ref: setInterval(() => {
        if (sweep.running) return
        sweep.running = true
        this.#d.conversations
          .expire(Date.now())
          .then((gone) => {
            for (const [conversation, ids] of gone) this.#d.emit('expired', { conversation, ids })
          })
          .catch((error: unknown) => this.#d.emit('error', { where: 'deleting expired messages', error }))
          .finally(() => {
            sweep.running = false
          })
      }, this.#d.sweepMs),
    }
    ;(sweep.ref as { unref?: () => void }).unref?.()
    this.#sweep = sweep
  }

  stopSweep(): void {
    if (this.#sweep) clearInterval(this.#sweep.ref)
    this.#sweep = undefined
  }
}

// Split views caught without trusting the server (docs/protocol.md §2.3). Every message
// received carries the sender's latest directory and access-log checkpoints; each is checked
// against this device's own view beside message processing — never inside the MLS lock, so a
// slow or failing server never holds up delivery. Pending checks are a bounded map keyed by
// sender device and log (a newer checkpoint from the same device supersedes an older one,
// which its own device verified it extends). A check that cannot reach the server is retried
// with backoff and never raises an alert; a check that fails raises one `split_view` alert per
// sender device and checkpoint, kept in the device's store and never cleared by the SDK.
import type { CheckpointRef, Seen } from '@candor/protocol'
import { CandorError } from '@candor/protocol'
import type { LocalStore } from './local-store.ts'
import { checkPeerCheckpoint, isRetryable, type CheckResult, type LogName, type LogView } from './split-view-check.ts'

export interface SplitViewAlert {
  kind: 'split_view'
  /** Which log the two views differ on. */
  log: LogName
  /** The sender whose checkpoint this device's view could not be shown consistent with. */
  userId: string
  deviceId: string
  /** The checkpoint the sender saw. */
  checkpoint: CheckpointRef
  reason: string
}

export interface SplitViewDeps {
  logs: readonly LogView[]
  store: LocalStore
  alert(a: SplitViewAlert): void
  /** A check that could not be made at all (not a split view), e.g. this device's own view failed. */
  error(where: string, error: unknown): void
  /** The first retry's delay after a network error (ms; doubled each time; default 1000). */
  firstRetryMs?: number
}

interface Pending {
  sender: { userId: string; deviceId: string }
  log: LogName
  theirs: CheckpointRef
  attempts: number
  notBefore: number
}

const ALERTS = 'split-view/alerts'
/** Senders × logs with a check waiting; beyond it a checkpoint waits for its sender's next message. */
const MAX_PENDING = 256
/** Verdicts remembered per (their checkpoint, own checkpoint): a proof once verified stays verified. */
const MAX_VERDICTS = 1024
const MAX_STORED_ALERTS = 256
const MAX_ATTEMPTS = 6
const FIRST_RETRY_MS = 1_000
const CHECK_TIMEOUT_MS = 30_000

function withTimeout<T>(p: Promise<T>): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new CandorError('unavailable', `no answer from the server in ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS)
    ;(t as { unref?: () => void }).unref?.()
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(t))
}

export class SplitViewMonitor {
  readonly #d: SplitViewDeps
  readonly #pending = new Map<string, Pending>()
  readonly #verdicts = new Map<string, CheckResult>()
  #alerted: Promise<SplitViewAlert[]> | undefined
  #running = false
  #retry: ReturnType<typeof setTimeout> | undefined
  #idle: Array<() => void> = []

  constructor(deps: SplitViewDeps) {
    this.#d = deps
  }

  /** This device's latest verified checkpoints, for the `seen` of the messages it sends (no network). */
  async seen(): Promise<Seen> {
    const out: { -readonly [K in LogName]?: CheckpointRef } = {}
    for (const log of this.#d.logs) {
      const cp = await log.latest()
      if (cp) out[log.name] = cp
    }
    return out
  }

  /** Queues checks of a received message's `seen`; returns at once. */
  observe(sender: { userId: string; deviceId: string }, seen: Seen): void {
    for (const log of this.#d.logs) {
      const theirs = seen[log.name]
      if (!theirs) continue
      const key = `${sender.deviceId}|${log.name}`
      const cur = this.#pending.get(key)
      if (cur && (theirs.size < cur.theirs.size || (theirs.size === cur.theirs.size && theirs.root === cur.theirs.root))) continue
      if (!cur && this.#pending.size >= MAX_PENDING) continue
      this.#pending.set(key, { sender: { userId: sender.userId, deviceId: sender.deviceId }, log: log.name, theirs, attempts: 0, notBefore: 0 })
    }
    this.#kick()
  }

  /**
   * Resolves once every check queued so far has run, except those waiting to be retried after
   * a network error (those go on in the background while the client is open).
   */
  settled(): Promise<void> {
    if (!this.#running && !this.#runnable()) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /** Every split-view alert this device raised (kept in its store), oldest first. */
  async alerts(): Promise<SplitViewAlert[]> {
    return [...(await this.#loadAlerted())]
  }

  /** Drops the checks waiting (a check already under way finishes); later messages queue new ones. */
  close(): void {
    this.#pending.clear()
    if (this.#retry) clearTimeout(this.#retry)
    for (const f of this.#idle.splice(0)) f()
  }

  #runnable(): Pending | undefined {
    const now = Date.now()
    for (const p of this.#pending.values()) if (p.notBefore <= now) return p
    return undefined
  }

  #kick(): void {
    if (this.#running) return
    this.#running = true
    void this.#drain().finally(() => {
      this.#running = false
      if (!this.#runnable()) {
        for (const f of this.#idle.splice(0)) f()
      } else {
        this.#kick()
      }
    })
  }

  async #drain(): Promise<void> {
    for (let p = this.#runnable(); p; p = this.#runnable()) {
      try {
        await this.#run(p)
      } catch (error) {
        this.#d.error('checking a checkpoint a message carried', error)
      }
    }
    this.#scheduleRetry()
  }

  #scheduleRetry(): void {
    if (this.#retry) clearTimeout(this.#retry)
    this.#retry = undefined
    if (this.#pending.size === 0) return
    const next = Math.min(...[...this.#pending.values()].map((p) => p.notBefore))
    this.#retry = setTimeout(() => this.#kick(), Math.max(0, next - Date.now()))
    ;(this.#retry as { unref?: () => void }).unref?.()
  }

  /** Removes the entry unless a newer checkpoint from the same sender replaced it meanwhile. */
  #done(p: Pending): void {
    const key = `${p.sender.deviceId}|${p.log}`
    if (this.#pending.get(key) === p) this.#pending.delete(key)
  }

  async #run(p: Pending): Promise<void> {
    const view = this.#d.logs.find((l) => l.name === p.log)!
    let verdict: CheckResult
    try {
      // This device's own view first: with none yet, it fetches (and verifies) the server's latest.
      const mine = (await withTimeout(view.latest())) ?? (await withTimeout(view.refresh()))
      const key = `${p.log}|${p.theirs.size}|${p.theirs.root}|${mine.size}|${mine.root}`
      const known = this.#verdicts.get(key)
      verdict = known ?? (await withTimeout(checkPeerCheckpoint(view, mine, p.theirs)))
      if (!known) {
        this.#verdicts.set(key, verdict)
        if (this.#verdicts.size > MAX_VERDICTS) this.#verdicts.delete(this.#verdicts.keys().next().value!)
      }
    } catch (e) {
      if (isRetryable(e) && ++p.attempts < MAX_ATTEMPTS) {
        p.notBefore = Date.now() + (this.#d.firstRetryMs ?? FIRST_RETRY_MS) * 2 ** (p.attempts - 1)
        return
      }
      this.#done(p)
      // Out of attempts: a server that kept answering with errors refused to prove its views
      // consistent; one that could not be reached was not asked, and the sender's next message asks again.
      if (!(e instanceof CandorError && e.code === 'internal')) throw e
      verdict = { ok: false, reason: `the server kept failing to give a proof: ${e.message}` }
    }
    this.#done(p)
    if (!verdict.ok) await this.#raise(p, verdict.reason)
  }

  #loadAlerted(): Promise<SplitViewAlert[]> {
    this.#alerted ??= this.#d.store.get(ALERTS).then((raw) => (raw ? (JSON.parse(raw) as SplitViewAlert[]) : []))
    return this.#alerted
  }

  async #raise(p: Pending, reason: string): Promise<void> {
    const alerted = await this.#loadAlerted()
    const same = (a: SplitViewAlert) =>
      a.log === p.log && a.userId === p.sender.userId && a.deviceId === p.sender.deviceId && a.checkpoint.size === p.theirs.size && a.checkpoint.root === p.theirs.root
    if (alerted.some(same)) return
    const alert: SplitViewAlert = { kind: 'split_view', log: p.log, userId: p.sender.userId, deviceId: p.sender.deviceId, checkpoint: p.theirs, reason }
    alerted.push(alert)
    // Kept for the person to see; past the cap an alert is still raised, and remembered until the client closes.
    await this.#d.store.put(ALERTS, JSON.stringify(alerted.slice(0, MAX_STORED_ALERTS)))
    this.#d.alert(alert)
  }
}

// Per member (device, in one group) budgets for what makes a whole group do work: commits
// (each one every member processes), resets (each one a new group everyone joins) and reports
// (relayed to every member). A hostile member looping on any of them is refused with
// `rate_limited` and the group goes on (docs/protocol.md §5.4, defaults in docs/limits.md).
import { CandorError, type DeviceId, type GroupId } from '@candor/protocol'
import { RateLimiter } from './rate-limit.ts'

export interface RecoveryLimitSettings {
  /** Commits per member per group: this many at once, refilled one per `commitEveryMs`. */
  commitBurst: number
  commitEveryMs: number
  /** Resets per member per conversation (not per group: each reset makes a new one). */
  resetBurst: number
  resetEveryMs: number
  /** Reports per member per group. */
  reportBurst: number
  reportEveryMs: number
}

export const DEFAULT_RECOVERY_LIMITS: Readonly<RecoveryLimitSettings> = {
  commitBurst: 20,
  commitEveryMs: 3_000,
  resetBurst: 3,
  resetEveryMs: 60_000,
  reportBurst: 10,
  reportEveryMs: 6_000,
}

type Action = 'commit' | 'reset' | 'report'

export class RecoveryLimits {
  readonly #limiters: Record<Action, RateLimiter>
  readonly #settings: RecoveryLimitSettings

  constructor(settings: Partial<RecoveryLimitSettings> = {}) {
    const s = (this.#settings = { ...DEFAULT_RECOVERY_LIMITS, ...settings })
    const bucket = (burst: number, everyMs: number) => new RateLimiter(1000 / everyMs, burst)
    this.#limiters = {
      commit: bucket(s.commitBurst, s.commitEveryMs),
      reset: bucket(s.resetBurst, s.resetEveryMs),
      report: bucket(s.reportBurst, s.reportEveryMs),
    }
  }

  /** Takes one `action` from this member's budget in this group; throws `rate_limited` when it is spent. */
  take(action: Action, deviceId: DeviceId, groupId: GroupId): void {
    if (this.#limiters[action].take(`${groupId}/${deviceId}`)) return
    const s = this.#settings
    const [burst, every] = action === 'commit' ? [s.commitBurst, s.commitEveryMs] : action === 'reset' ? [s.resetBurst, s.resetEveryMs] : [s.reportBurst, s.reportEveryMs]
    throw new CandorError('rate_limited', `too many ${action}s from this device in this group: at most ${burst} at once, then one every ${every / 1000} s`, {
      details: { action, retryAfterMs: every },
    })
  }
}

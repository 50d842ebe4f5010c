// The hook through which an organisation's policy bounds disappearing-message timers. A member
// asks for a timer; the policy returns the timer to apply (null: keep until delivered) or
// refuses with a CandorError. The default allows 5 seconds to a year, or no timer at all.
import { CandorError, type DeviceId, type GroupId, type UserId } from '@candor/protocol'

export interface RetentionRequest {
  groupId: GroupId
  /** null asks to turn the timer off. */
  requestedMs: number | null
  by: { userId: UserId; deviceId: DeviceId }
}

export interface RetentionPolicy {
  decide(req: RetentionRequest): Promise<number | null> | number | null
}

export interface RetentionBounds {
  minMs: number
  maxMs: number
  /** When true, a timer may not be turned off (an organisation that requires deletion). */
  required?: boolean
}

export function boundedRetention(bounds: RetentionBounds): RetentionPolicy {
  return {
    decide({ requestedMs }) {
      if (requestedMs === null) {
        if (bounds.required) throw new CandorError('forbidden', `policy requires a disappearing timer of at most ${bounds.maxMs / 1000} s`)
        return null
      }
      if (requestedMs < bounds.minMs || requestedMs > bounds.maxMs) {
        throw new CandorError('bad_request', `the timer must be between ${bounds.minMs / 1000} s and ${bounds.maxMs / 1000} s under this server's policy`)
      }
      return requestedMs
    },
  }
}

export const DEFAULT_RETENTION_POLICY = boundedRetention({ minMs: 5_000, maxMs: 366 * 24 * 3600_000 })

// Any user may claim another user's key packages (to add them to a conversation), so claims are
// bounded (docs/protocol.md §4.5): per claimer and target, a few an hour, beyond which the claim
// is refused with the time to wait; and per target, a cap on one-time packages handed out an
// hour to everyone together, beyond which claims get the last-resort package (never consumed),
// so a crowd of strangers cannot drain a person yet an honest contact can always add them.
// Token buckets per server node, like the enrolment limits.
import { CandorError, LIMITS, type UserId } from '@candor/protocol'
import { RateLimiter } from './rate-limit.ts'

const perSecond = (n: number) => n / (LIMITS.keyPackageClaimWindowMs / 1000)
const minutes = LIMITS.keyPackageClaimWindowMs / 60_000

export class KeyPackageClaims {
  readonly #pairs = new RateLimiter(perSecond(LIMITS.keyPackageClaimsPerPair), LIMITS.keyPackageClaimsPerPair)
  readonly #oneTime = new RateLimiter(perSecond(LIMITS.keyPackageOneTimePerTarget), LIMITS.keyPackageOneTimePerTarget)
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /**
   * Takes one claim from the claimer's allowance for this target, or refuses with `rate_limited`
   * and `details.retryAfterMs`. A user's claims of their own packages are not limited.
   */
  claim(claimer: UserId, target: UserId): void {
    if (claimer === target) return
    const key = `${claimer}\n${target}`
    const now = this.#now()
    if (this.#pairs.take(key, 1, now)) return
    const retryAfterMs = this.#pairs.waitMs(key, 1, now)
    throw new CandorError(
      'rate_limited',
      `at most ${LIMITS.keyPackageClaimsPerPair} claims of one user's key packages per ${minutes} minutes; try again in ${Math.ceil(retryAfterMs / 1000)} s`,
      { details: { retryAfterMs } },
    )
  }

  /** Whether a one-time package of the target may go to this claimer now (counting it); else the last-resort one. */
  oneTime(claimer: UserId, target: UserId): boolean {
    return claimer === target || this.#oneTime.take(target, 1, this.#now())
  }
}

// Enrolment requests are filed without a session, by anyone: these bound how many one client
// address and how many for one user this node takes (token buckets of docs/protocol.md §4.1),
// and carry the clock that request expiry runs on (tests move it).
import { CandorError, LIMITS, type UserId } from '@candor/protocol'
import { RateLimiter } from './rate-limit.ts'

const perSecond = (n: number) => n / (LIMITS.enrolmentWindowMs / 1000)
const minutes = LIMITS.enrolmentWindowMs / 60_000

export class EnrolmentLimits {
  readonly #byAddress = new RateLimiter(perSecond(LIMITS.enrolmentsPerAddress), LIMITS.enrolmentsPerAddress)
  readonly #byUser = new RateLimiter(perSecond(LIMITS.enrolmentsPerUser), LIMITS.enrolmentsPerUser)
  readonly now: () => number

  constructor(now: () => number = Date.now) {
    this.now = now
  }

  /** Takes one request from the client address's allowance, or refuses. */
  fromAddress(address: string): void {
    if (!this.#byAddress.take(address, 1, this.now())) {
      throw new CandorError('rate_limited', `at most ${LIMITS.enrolmentsPerAddress} enrolment requests per ${minutes} minutes from one address; try again later`)
    }
  }

  /** Takes one request from the target user's allowance, or refuses. */
  forUser(userId: UserId): void {
    if (!this.#byUser.take(userId, 1, this.now())) {
      throw new CandorError('rate_limited', `at most ${LIMITS.enrolmentsPerUser} enrolment requests per ${minutes} minutes for one user; try again later`)
    }
  }
}

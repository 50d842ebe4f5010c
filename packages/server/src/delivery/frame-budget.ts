// How much of something a connection may do in a window of time before it is closed: malformed
// frames, acks of seqs never pushed, re-authentications. Fixed windows: cheap, and at worst
// twice the limit across a window boundary, which is all a budget against floods needs.
export class FrameBudget {
  readonly #limit: number
  readonly #windowMs: number
  #windowStart = Number.NEGATIVE_INFINITY
  #used = 0

  constructor(limit: number, windowMs: number) {
    this.#limit = limit
    this.#windowMs = windowMs
  }

  /** Spends `n`; false once this window's budget is exceeded. */
  take(n = 1, now = performance.now()): boolean {
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now
      this.#used = 0
    }
    this.#used += n
    return this.#used <= this.#limit
  }

  /** How much this window has spent so far (1 right after its first `take()`). */
  get used(): number {
    return this.#used
  }
}

// Token buckets keyed by device (or address). Bounded: idle buckets are forgotten.
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>()
  readonly #rate: number
  readonly #burst: number

  constructor(ratePerSecond: number, burst: number) {
    this.#rate = ratePerSecond
    this.#burst = burst
  }

  /** Takes `n` tokens; false when the key is over its rate. */
  take(key: string, n = 1, now = performance.now()): boolean {
    let b = this.#buckets.get(key)
    if (!b) {
      if (this.#buckets.size > 100_000) this.#sweep(now)
      b = { tokens: this.#burst, at: now }
      this.#buckets.set(key, b)
    } else {
      b.tokens = Math.min(this.#burst, b.tokens + ((now - b.at) / 1000) * this.#rate)
      b.at = now
    }
    if (b.tokens < n) return false
    b.tokens -= n
    return true
  }

  /** How long until the key has `n` tokens again (0 when it has them now); takes nothing. */
  waitMs(key: string, n = 1, now = performance.now()): number {
    const b = this.#buckets.get(key)
    if (!b) return 0
    const tokens = Math.min(this.#burst, b.tokens + ((now - b.at) / 1000) * this.#rate)
    return tokens >= n ? 0 : Math.ceil(((n - tokens) / this.#rate) * 1000)
  }

  #sweep(now: number): void {
    for (const [k, b] of this.#buckets) if (now - b.at > (this.#burst / this.#rate) * 1000) this.#buckets.delete(k)
  }
}

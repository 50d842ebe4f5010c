// Small statistics helpers: percentiles of latency samples, median and range of runs.

/** Growable store of latency samples (ms), sorted once at the end. */
export class Samples {
  #buf = new Float64Array(1 << 16)
  #n = 0

  add(v: number): void {
    if (this.#n === this.#buf.length) {
      const next = new Float64Array(this.#buf.length * 2)
      next.set(this.#buf)
      this.#buf = next
    }
    this.#buf[this.#n++] = v
  }

  get count(): number {
    return this.#n
  }

  /** Percentiles (0–100) by nearest rank; NaN when empty. */
  percentiles(ps: readonly number[]): number[] {
    const a = this.#buf.slice(0, this.#n).sort()
    return ps.map((p) => (a.length === 0 ? NaN : a[Math.min(a.length - 1, Math.max(0, Math.ceil((p / 100) * a.length) - 1))]!))
  }
}

export function median(xs: readonly number[]): number {
  const a = xs.filter((x) => Number.isFinite(x)).sort((x, y) => x - y)
  if (a.length === 0) return NaN
  const m = a.length >> 1
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2
}

export function range(xs: readonly number[]): [number, number] {
  const a = xs.filter((x) => Number.isFinite(x))
  return a.length ? [Math.min(...a), Math.max(...a)] : [NaN, NaN]
}

export function round(x: number, digits = 1): number {
  if (!Number.isFinite(x)) return x
  const f = 10 ** digits
  return Math.round(x * f) / f
}

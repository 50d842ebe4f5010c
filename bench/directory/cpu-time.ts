// Small measuring helpers of the directory scripts: CPU time of one call, medians, rounding.
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
export const round = (x: number): number => Math.round(x * 1000) / 1000

/** The call's result and the CPU ms (user + system) this process spent in it. */
export function cpuMs<T>(fn: () => T): [T, number] {
  const t0 = process.cpuUsage()
  const out = fn()
  const d = process.cpuUsage(t0)
  return [out, (d.user + d.system) / 1000]
}

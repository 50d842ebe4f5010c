// Summarises a V8 .cpuprofile (from `--cpu-prof DIR`): self time by function and by package.
// Usage: npx tsx bench/src/profile-summary.ts FILE.cpuprofile [top] [lastMs]
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}
interface Profile {
  nodes: Node[]
  samples: number[]
  timeDeltas: number[]
}

/** With lastMs, only the samples of the profile's last lastMs milliseconds count (steady state, no setup). */
export function summarise(file: string, top = 25, lastMs = 0): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  const totalUs = p.timeDeltas.reduce((a, b) => a + b, 0)
  const fromUs = lastMs > 0 ? totalUs - lastMs * 1000 : 0
  let at = 0
  p.samples.forEach((id, i) => {
    at += p.timeDeltas[i] ?? 0
    if (at >= fromUs) self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0))
  })
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  const fn = new Map<string, number>()
  const pkg = new Map<string, number>()
  for (const [id, us] of self) {
    const n = byId.get(id)!
    const url = n.callFrame.url.replace(/^file:\/\//, '')
    const where = url.includes('node_modules/')
      ? url.slice(url.lastIndexOf('node_modules/') + 13).split('/').slice(0, url.includes('node_modules/@') ? 2 : 1).join('/')
      : url.includes('/packages/')
        ? 'candor:' + url.slice(url.indexOf('/packages/') + 10).split('/')[0]
        : url.startsWith('node:')
          ? 'node-internal'
          : url || `(${n.callFrame.functionName || 'native'})`
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${url.replace(/^.*\/(packages|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`
    fn.set(key, (fn.get(key) ?? 0) + us)
    pkg.set(where, (pkg.get(where) ?? 0) + us)
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`
  const lines = [`${file}: ${(total / 1000).toFixed(0)} ms sampled`, '', 'by package/area:']
  for (const [k, v] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${pct(v)}  ${k}`)
  lines.push('', 'by function (self time):')
  for (const [k, v] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`)
  return lines.join('\n')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(summarise(process.argv[2]!, Number(process.argv[3] ?? 25), Number(process.argv[4] ?? 0)) + '\n')
}

// Builds apps/web/dist (`npm run build -w apps/web`) unless it is newer than every source it is built from.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const webDir = fileURLToPath(new URL('../..', import.meta.url))
export const distDir = join(webDir, 'dist')
const repoRoot = join(webDir, '..', '..')

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  let newest = st.mtimeMs
  for (const e of readdirSync(path)) {
    if (e === 'node_modules' || e === 'dist') continue
    newest = Math.max(newest, newestMtime(join(path, e)))
  }
  return newest
}

export async function ensureBuilt(): Promise<void> {
  const built = existsSync(join(distDir, 'index.html')) ? statSync(join(distDir, 'index.html')).mtimeMs : 0
  const sources = [
    join(webDir, 'src'),
    join(webDir, 'index.html'),
    join(webDir, 'vite.config.ts'),
    join(webDir, 'build', 'vite-plugins.ts'),
    join(webDir, 'public'),
    join(webDir, 'package.json'),
    ...['sdk', 'crypto', 'protocol', 'transparency'].map((p) => join(repoRoot, 'packages', p, 'src')),
  ]
  if (built > Math.max(...sources.map(newestMtime))) return
  // The README's build, in a process of its own: built inside a test worker (its environment and
  // resolve conditions), Vite once made a bundle that differs from `npm run build`.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_ENV' && k !== 'NODE_OPTIONS'))
  const r = spawnSync('npm', ['run', 'build', '--silent', '-w', 'apps/web'], { cwd: repoRoot, env, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`npm run build -w apps/web failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
}

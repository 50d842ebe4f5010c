// `candor` as deployed: packages/cli/bin/candor.js running the built JavaScript in each
// package's dist/ under Node's default export conditions (no tsx, no "candor-source") — the path
// it takes when installed from the packed tarballs, forced in this checkout by CANDOR_FROM_DIST=1.
// The packages are built first (build.ts), so a stale dist/ is never what runs.
import { fileURLToPath } from 'node:url'
import { buildOnce } from '../build.ts'

const CLI = fileURLToPath(new URL('../../../packages/cli/bin/candor.js', import.meta.url))

/**
 * Node's arguments and environment for `candor ARGS` from the built packages, after building
 * them. NODE_OPTIONS is not passed on: a `--conditions` or `--import` there would change what runs.
 */
export async function candorFromDist(args: readonly string[]): Promise<{ args: string[]; env: NodeJS.ProcessEnv }> {
  await buildOnce()
  const env: NodeJS.ProcessEnv = { ...process.env, CANDOR_FROM_DIST: '1' }
  delete env.NODE_OPTIONS
  return { args: [CLI, ...args], env }
}

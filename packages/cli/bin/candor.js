#!/usr/bin/env node
// The `candor` command. From a source checkout (src/ beside this folder) it runs Candor's
// TypeScript through tsx, resolving workspace packages to their source (the "candor-source"
// export condition); installed from a packed tarball it runs the built JavaScript in dist/.
// CANDOR_FROM_DIST=1 makes a checkout run dist/ too, exactly as installed (build it first:
// `npm run build:packages`); the bench starts `candor serve` so.
import { existsSync } from 'node:fs'

const source = new URL('../src/main.ts', import.meta.url)
const SOURCE_CONDITIONS = 'data:text/javascript,' + encodeURIComponent(
  'export function resolve(s, c, next) { return next(s, { ...c, conditions: ["candor-source", ...c.conditions] }) }',
)
let main
if (existsSync(source) && process.env.CANDOR_FROM_DIST !== '1') {
  const { register } = await import('tsx/esm/api')
  const { register: registerHooks } = await import('node:module')
  register()
  registerHooks(SOURCE_CONDITIONS)
  ;({ main } = await import(source.href))
} else {
  ;({ main } = await import('../dist/main.js'))
}
process.exitCode = await main(process.argv.slice(2))

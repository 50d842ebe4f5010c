#!/usr/bin/env node
// The `candor` command. From a source checkout (src/ beside this folder) it runs Candor's
// TypeScript through tsx, resolving workspace packages to their source (the "candor-source"
// export condition); installed from a packed tarball it runs the built JavaScript in dist/.
import { existsSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'

const source = new URL('../src/main.ts', import.meta.url)
const SOURCE_CONDITIONS = 'data:text/javascript,' + encodeURIComponent(
  'export function resolve(s, c, next) { return next(s, { ...c, conditions: ["candor-source", ...c.conditions] }) }',
)
let main
if (existsSync(source)) {
  // tsx transforms on Node's module-hooks thread, an isolate of its own that lives as long as the
  // process. V8 reads this flag when an isolate is made, so it caps that thread's young generation
  // (and the SQLite checkpoint worker's) at 1 MB per semi-space instead of up to 16 MB: about 15 MB
  // less resident memory for `candor serve` from a checkout. The main thread keeps V8's default.
  setFlagsFromString('--max-semi-space-size=1')
  const { register } = await import('tsx/esm/api')
  const { register: registerHooks } = await import('node:module')
  register()
  registerHooks(SOURCE_CONDITIONS)
  ;({ main } = await import(source.href))
} else {
  ;({ main } = await import('../dist/main.js'))
}
process.exitCode = await main(process.argv.slice(2))

#!/usr/bin/env node
// The soak program (`npm run soak` at the repository root): SIGKILLs of a real server under load,
// counted at the server's delivery. Runs Candor's TypeScript through tsx, like candor-bench.
import { register } from 'tsx/esm/api'
import { register as registerHooks } from 'node:module'

const SOURCE_CONDITIONS = 'data:text/javascript,' + encodeURIComponent(
  'export function resolve(s, c, next) { return next(s, { ...c, conditions: ["candor-source", ...c.conditions] }) }',
)

register()
registerHooks(SOURCE_CONDITIONS)
const { runSoakProgram } = await import('../src/soak/main.ts')
process.exitCode = await runSoakProgram(process.argv.slice(2))

#!/usr/bin/env node
// The benchmark program (`npm run bench` at the repository root). Like the `candor` command
// from a source checkout, it runs Candor's TypeScript through tsx with workspace packages
// resolved to their source.
import { register } from 'tsx/esm/api'
import { register as registerHooks } from 'node:module'

const SOURCE_CONDITIONS = 'data:text/javascript,' + encodeURIComponent(
  'export function resolve(s, c, next) { return next(s, { ...c, conditions: ["candor-source", ...c.conditions] }) }',
)

register()
registerHooks(SOURCE_CONDITIONS)
const { runBench } = await import('../src/main.ts')
process.exitCode = await runBench(process.argv.slice(2))

#!/usr/bin/env node
// The benchmark program (`npm run bench` at the repository root). Like the `candor` command,
// it runs Candor's TypeScript directly through tsx's loader.
import { register } from 'tsx/esm/api'

register()
const { runBench } = await import('../src/main.ts')
process.exitCode = await runBench(process.argv.slice(2))

#!/usr/bin/env node
// The `candor` command. Candor's packages are TypeScript run directly through tsx's loader.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/main.ts')
process.exitCode = await main(process.argv.slice(2))

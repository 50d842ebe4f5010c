// Fallback launcher for the Candor server when the CLI cannot start it (the CLI is being
// written concurrently): the same createServer + SqliteStore that `candor serve` uses.
// Run as: node --import tsx candor-serve.ts --port 0 --data DIR
import { join } from 'node:path'
import { mkdirSync } from 'node:fs'
import { createServer, generateServerKeys } from '@candor/server'
import { SqliteStore } from '@candor/store-sqlite'

const args = process.argv.slice(2)
const flag = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt
}
const dir = flag('data', '.candor/bench-server')
mkdirSync(dir, { recursive: true })
const store = await SqliteStore.open(join(dir, 'candor.db'))
// A benchmark's throwaway server: nobody pins its directory, so in-memory keys serve.
const server = await createServer({ store, keys: generateServerKeys(), host: '127.0.0.1', port: Number(flag('port', '0')), logLevel: flag('log-level', 'warn') })
process.stdout.write(`Candor listening on ${server.url}\n`)
const stop = async () => {
  await server.close()
  await store.close()
  process.exit(0)
}
process.once('SIGTERM', () => void stop())
process.once('SIGINT', () => void stop())

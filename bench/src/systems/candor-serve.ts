// Fallback launcher for the Candor server when the CLI cannot start it (the CLI is being
// written concurrently): the same createServer + SqliteStore that `candor serve` uses.
// Run as: node --import tsx candor-serve.ts --port 0 --data DIR
import { join } from 'node:path'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, generateServerKeyFile, parseServerKeyFile, serverKeysOf } from '@candor/server'
import { FolderBlobStore, SqliteStore } from '@candor/store-sqlite'

const args = process.argv.slice(2)
const flag = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt
}
const dir = flag('data', '.candor/bench-server')
mkdirSync(dir, { recursive: true })
// Its own database file: one a failed `candor serve` left in DIR was served with that run's
// key file, and the server refuses other keys on it.
const store = await SqliteStore.open(join(dir, 'candor-direct.db'))
// Its keys beside it, kept across runs on the same folder (the database remembers them).
const keyPath = join(dir, 'candor-direct-keys.json')
if (!existsSync(keyPath)) writeFileSync(keyPath, JSON.stringify(generateServerKeyFile(Date.now())), { mode: 0o600, flag: 'wx' })
const keys = serverKeysOf(parseServerKeyFile(readFileSync(keyPath, 'utf8'), keyPath))
const blobs = await FolderBlobStore.open(join(dir, 'blobs'))
// --http-rate N: requests per second per client address (createServer's httpRatePerSecond; default 200).
const rate = flag('http-rate', '')
const server = await createServer({ store, blobs, keys, host: '127.0.0.1', port: Number(flag('port', '0')), logLevel: flag('log-level', 'warn'), ...(rate ? { httpRatePerSecond: Number(rate) } : {}) })
process.stdout.write(`Candor listening on ${server.url}\n`)
const stop = async () => {
  await server.close()
  await blobs.close()
  await store.close()
  process.exit(0)
}
process.once('SIGTERM', () => void stop())
process.once('SIGINT', () => void stop())

// `candor serve`: one Candor node. SQLite + in-process bus by default; PostgreSQL + NATS for many nodes.
import { join } from 'node:path'
import { existsSync } from 'node:fs'
import { createServer, type BlobStore, type Bus, type CandorServer, type Store } from '@candor/server'
import { FolderBlobStore, SqliteStore } from '@candor/store-sqlite'
import type { ServeConfig } from '../serve-config.ts'
import { loadServerKeys } from '../server-keys-source.ts'

async function openStore(c: ServeConfig): Promise<Store> {
  if (c.store === 'sqlite') return SqliteStore.open(join(c.dataDir, 'candor.db'))
  const { PostgresStore } = await import('@candor/store-postgres')
  return PostgresStore.open(c.store, { schema: c.storeSchema })
}

/** Attachment ciphertext: `<data>/blobs` with SQLite, the same database with PostgreSQL (many nodes share it). */
async function openBlobs(c: ServeConfig): Promise<BlobStore> {
  if (c.store === 'sqlite') return FolderBlobStore.open(join(c.dataDir, 'blobs'))
  const { PostgresBlobStore } = await import('@candor/store-postgres')
  return PostgresBlobStore.open(c.store, { schema: c.storeSchema })
}

async function openBus(c: ServeConfig): Promise<Bus | undefined> {
  if (c.bus === 'local') return undefined
  const { NatsBus } = await import('@candor/bus-nats')
  return NatsBus.connect(c.bus, c.nodeId, c.busSecurity)
}

export async function serve(c: ServeConfig): Promise<number> {
  const store = await openStore(c)
  let bus: Bus | undefined
  let blobs: BlobStore | undefined
  let server: CandorServer
  try {
    // Always from the key file or the environment: this is the only place a production server
    // gets its keys, and createServer has no default for them.
    const { keys, notes } = await loadServerKeys(c.keys, store)
    for (const n of notes) process.stdout.write(`${n}\n`)
    bus = await openBus(c)
    blobs = await openBlobs(c)
    server = await createServer({
      store,
      blobs,
      keys,
      ...(bus ? { bus } : {}),
      host: c.host,
      port: c.port,
      logLevel: c.logLevel,
      webRoot: c.webRoot,
      witnesses: c.witnesses,
      ...(c.metrics ? { metrics: c.metrics } : {}),
      ...(c.defaultSignup ? { defaultSignup: c.defaultSignup } : {}),
      ...(c.rates.httpPerSecond !== undefined ? { httpRatePerSecond: c.rates.httpPerSecond } : {}),
      ...(c.rates.lookupPerSecond !== undefined ? { directoryLookupRate: { perSecond: c.rates.lookupPerSecond } } : {}),
    })
  } catch (e) {
    // Close what did open, so a node that cannot start exits instead of lingering.
    await bus?.close().catch(() => undefined)
    await blobs?.close().catch(() => undefined)
    await store.close().catch(() => undefined)
    throw e
  }
  const where = c.store === 'sqlite' ? `data in ${c.dataDir}` : 'store: PostgreSQL'
  const adminToken = await server.context.admins.enrolmentToken()
  if (adminToken) {
    process.stdout.write(`No admin yet. To make yourself the first admin (once), from your own registered device run:\n  candor --home DIR admin enrol ${adminToken}\n`)
  }
  if (c.witnesses.length > 0) process.stdout.write(`accepting directory cosignatures from ${c.witnesses.length} witness(es)\n`)
  process.stdout.write(`Candor listening on ${server.url} (${where})\n`)
  if (server.metricsUrl) process.stdout.write(`Metrics at ${server.metricsUrl}\n`)
  if (!existsSync(c.webRoot)) process.stdout.write(`(web client not built: run "npm run build" to serve it at /)\n`)
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await server.close()
  await blobs.close()
  await store.close()
  return 0
}

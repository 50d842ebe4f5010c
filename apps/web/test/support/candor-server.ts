// A real Candor server on a random port, its SQLite database in a temp folder, serving the
// built web client at `/`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, generateServerKeys, type CandorServer, type ServerOptions } from '@candor/server'
import { FolderBlobStore, SqliteStore } from '@candor/store-sqlite'
import { distDir } from './web-build.ts'

export interface RunningServer {
  server: CandorServer
  url: string
  dataDir: string
  /** The server's store, for a test that plants what time passing would leave (an expired invite). */
  store: SqliteStore
  close(): Promise<void>
}

export async function startCandorServer(extra: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'candor-web-'))
  const store = SqliteStore.open(join(dataDir, 'candor.db'))
  // Every browser context shares 127.0.0.1, so the per-address HTTP limit is raised.
  const blobs = await FolderBlobStore.open(join(dataDir, 'blobs'))
  const server = await createServer({ store, blobs, keys: generateServerKeys(), webRoot: distDir, logLevel: 'silent', httpRatePerSecond: 5000, ...extra })
  return {
    server,
    url: server.url,
    dataDir,
    store,
    async close() {
      await server.close()
      await store.close()
      await blobs.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

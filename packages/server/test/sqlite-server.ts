// A real server for one test file: its SQLite store in a fresh temporary folder, listening on a
// free loopback port. close() stops the server, closes the store and removes the folder.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '@candor/store-sqlite'
import { createServer, generateServerKeys, type CandorServer, type ServerOptions } from '../src/index.ts'

export interface SqliteServer {
  server: CandorServer
  store: SqliteStore
  /** The temporary folder, whose db.sqlite is the store's database (for a test that reads the file). */
  dir: string
  close(): Promise<void>
}

/**
 * `name` names the folder (`candor-<name>-…`); `options` are the server's beyond its store, with
 * fresh keys and silent logs unless given.
 */
export async function startSqliteServer(name: string, options: Partial<Omit<ServerOptions, 'store'>> = {}): Promise<SqliteServer> {
  const dir = mkdtempSync(join(tmpdir(), `candor-${name}-`))
  const store = SqliteStore.open(join(dir, 'db.sqlite'))
  const server = await createServer({ store, logLevel: 'silent', ...options, keys: options.keys ?? generateServerKeys() })
  return {
    server,
    store,
    dir,
    async close() {
      await server.close()
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

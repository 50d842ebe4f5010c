// A whole network in one process for integration tests: a real server on a random port with
// its SQLite database in a temp folder, and real SDK clients with in-memory device stores.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, generateServerKeys, type CandorServer, type ServerKeys, type ServerOptions } from '@candor/server'
import { SqliteStore } from '@candor/store-sqlite'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore, type LocalStore, type MessageRecord } from '../src/index.ts'
import { nodeWebSocket } from '../src/node/index.ts'

export interface DevEnv {
  server: CandorServer
  /** The server's secrets (what `candor serve` reads from its key file), for tests that play the operator. */
  keys: ServerKeys
  /** The server's store, for tests that play the operator writing to its own database. */
  store: SqliteStore
  dataDir: string
  /** Registers a user's first device and connects it. */
  user(userId: string, store?: LocalStore): Promise<CandorClient>
  clients: CandorClient[]
  close(): Promise<void>
}

/** `server`: more options of the server (e.g. the witnesses it accepts). */
export async function startDevEnv(serverOptions: Partial<Omit<ServerOptions, 'store' | 'keys'>> = {}): Promise<DevEnv> {
  const dataDir = mkdtempSync(join(tmpdir(), 'candor-test-'))
  const store = SqliteStore.open(join(dataDir, 'candor.db'))
  const keys = generateServerKeys()
  const server = await createServer({ store, keys, logLevel: 'silent', ...serverOptions })
  const clients: CandorClient[] = []
  const env: DevEnv = {
    server,
    keys,
    store,
    dataDir,
    clients,
    async user(userId, local = new MemoryLocalStore()) {
      const c = await CandorClient.register(options(server.url, local), userId, `${userId}-device`)
      clients.push(c)
      await c.connect()
      return c
    },
    async close() {
      for (const c of clients) c.close()
      await server.close()
      await store.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return env
}

export function options(server: string, store: LocalStore = new MemoryLocalStore()) {
  return { server, store, crypto: nodeCryptoProvider(), webSocket: nodeWebSocket }
}

/** Resolves with the next message this client receives that matches. */
export function nextMessage(c: CandorClient, match: (m: MessageRecord) => boolean = () => true, timeoutMs = 60_000): Promise<MessageRecord> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off()
      reject(new Error(`${c.userId} got no matching message in ${timeoutMs} ms`))
    }, timeoutMs)
    const off = c.on('message', (m) => {
      if (!match(m)) return
      clearTimeout(t)
      off()
      resolve(m)
    })
  })
}

export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

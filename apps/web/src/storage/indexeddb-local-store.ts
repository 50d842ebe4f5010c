// The SDK's LocalStore on IndexedDB: a key-value store and append-only logs, every value
// sealed (see sealing-key.ts). Key names stay in the clear so prefix listing works; they hold
// only kinds and ids, never content. Expired history is deleted by rewriting its log in one
// transaction (IndexedDB keeps no copy of deleted rows for the app to find again).
import type { LocalStore } from '@candor/sdk'
import { KV, LOGS, deleteDatabase, openDatabase, run } from './idb.ts'
import { loadSealingKey, seal, unseal, type Sealed } from './sealing-key.ts'

interface LogRow {
  log: string
  value: Sealed
}

export class IndexedDbLocalStore implements LocalStore {
  readonly #db: IDBDatabase
  readonly #key: CryptoKey

  private constructor(db: IDBDatabase, key: CryptoKey) {
    this.#db = db
    this.#key = key
  }

  static async open(name = 'candor'): Promise<IndexedDbLocalStore> {
    const db = await openDatabase(name)
    return new IndexedDbLocalStore(db, await loadSealingKey(db))
  }

  /** Forgets this device in this browser: keys, conversations and history. */
  static async erase(name = 'candor'): Promise<void> {
    await deleteDatabase(name)
  }

  close(): void {
    this.#db.close()
  }

  async get(key: string): Promise<string | undefined> {
    const sealed = await run(this.#db, KV, 'readonly', (s) => s.get(key) as IDBRequest<Sealed | undefined>)
    return sealed ? unseal(this.#key, `kv:${key}`, sealed) : undefined
  }

  async put(key: string, value: string): Promise<void> {
    const sealed = await seal(this.#key, `kv:${key}`, value)
    await run(this.#db, KV, 'readwrite', (s) => s.put(sealed, key))
  }

  async delete(key: string): Promise<void> {
    await run(this.#db, KV, 'readwrite', (s) => s.delete(key))
  }

  async keys(prefix: string): Promise<string[]> {
    const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`)
    const keys = await run(this.#db, KV, 'readonly', (s) => s.getAllKeys(range))
    return keys.map(String).filter((k) => k.startsWith(prefix)).sort()
  }

  async append(log: string, line: string): Promise<void> {
    const row: LogRow = { log, value: await seal(this.#key, `log:${log}`, line) }
    await run(this.#db, LOGS, 'readwrite', (s) => s.add(row))
  }

  async lines(log: string): Promise<string[]> {
    // Rows with the same index key come back in primary-key (append) order.
    const rows = await run(this.#db, LOGS, 'readonly', (s) => s.index('log').getAll(log) as IDBRequest<LogRow[]>)
    return Promise.all(rows.map((r) => unseal(this.#key, `log:${log}`, r.value)))
  }

  async rewrite(log: string, lines: readonly string[]): Promise<void> {
    // Sealing awaits WebCrypto, so it is done before the transaction opens (see idb.ts).
    const rows: LogRow[] = await Promise.all(lines.map(async (line) => ({ log, value: await seal(this.#key, `log:${log}`, line) })))
    await new Promise<void>((resolve, reject) => {
      const tx = this.#db.transaction(LOGS, 'readwrite', { durability: 'strict' })
      const store = tx.objectStore(LOGS)
      const old = store.index('log').getAllKeys(log)
      old.onsuccess = () => {
        for (const key of old.result) store.delete(key)
        // New rows get higher keys than any deleted one, so append order is kept.
        for (const row of rows) store.add(row)
      }
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'))
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
    })
  }
}

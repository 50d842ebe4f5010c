// Promise wrappers over the few IndexedDB calls the app needs. A transaction commits as soon as
// its callbacks stop queuing requests, so callers do every `await` on non-IndexedDB work
// (such as encryption) before they open one.
export const KV = 'kv'
export const LOGS = 'logs'
export const META = 'meta'

export function openDatabase(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1)
    req.onupgradeneeded = () => {
      const db = req.result
      db.createObjectStore(KV)
      db.createObjectStore(LOGS, { autoIncrement: true }).createIndex('log', 'log')
      db.createObjectStore(META)
    }
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error(`cannot open IndexedDB database ${name}`))
    req.onblocked = () => reject(new Error(`IndexedDB database ${name} is blocked by another tab`))
  })
}

export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'))
  })
}

/** Runs one request in its own transaction and waits until the transaction has committed. */
export function run<T>(db: IDBDatabase, store: string, mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode, { durability: 'strict' })
    const req = op(tx.objectStore(store))
    tx.oncomplete = () => resolve(req.result)
    tx.onerror = () => reject(tx.error ?? req.error ?? new Error('IndexedDB transaction failed'))
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
  })
}

export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name)
    req.onsuccess = () => resolve()
    req.onerror = () => reject(req.error ?? new Error(`cannot delete IndexedDB database ${name}`))
  })
}

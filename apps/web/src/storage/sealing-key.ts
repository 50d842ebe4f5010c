// Everything the device keeps in IndexedDB is sealed with AES-256-GCM under a key that
// WebCrypto generates as non-extractable: script can use it but never read its bytes, and a
// copy of the database files alone does not reveal the device key or the message history.
import { META, request, run } from './idb.ts'

const KEY_NAME = 'sealing-key'
const IV_BYTES = 12

export interface Sealed {
  iv: Uint8Array<ArrayBuffer>
  ct: ArrayBuffer
}

export async function loadSealingKey(db: IDBDatabase): Promise<CryptoKey> {
  const existing = await run(db, META, 'readonly', (s) => s.get(KEY_NAME) as IDBRequest<CryptoKey | undefined>)
  if (existing) return existing
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
  // `add` fails if another tab stored a key first; then that one wins.
  try {
    await run(db, META, 'readwrite', (s) => s.add(key, KEY_NAME))
    return key
  } catch {
    const tx = db.transaction(META, 'readonly')
    return (await request(tx.objectStore(META).get(KEY_NAME) as IDBRequest<CryptoKey>))
  }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** `where` is bound in as associated data, so a sealed value cannot be moved to another key. */
export async function seal(key: CryptoKey, where: string, value: string): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(where) }, key, encoder.encode(value))
  return { iv, ct }
}

export async function unseal(key: CryptoKey, where: string, sealed: Sealed): Promise<string> {
  const pt = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv, additionalData: encoder.encode(where) }, key, sealed.ct)
  return decoder.decode(pt)
}

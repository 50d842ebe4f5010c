// The archive device's store (docs/protocol.md §11.5): every value — its identity, its MLS group
// states, what its features keep — sealed with AES-256-GCM under the state key from its key
// file (AAD: the key's name), in its own folder, never in a database. It keeps no message
// history at all: the sealed records are the archive's only copy, and those it cannot open.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { LocalStore } from '@candor/sdk'

const PREFIX = 'candor-sealed-v1:'

export class SealedLocalStore implements LocalStore {
  readonly #inner: LocalStore
  readonly #key: Uint8Array

  constructor(inner: LocalStore, stateKey: Uint8Array) {
    if (stateKey.length !== 32) throw new Error('the state key must be 32 bytes')
    this.#inner = inner
    this.#key = stateKey
  }

  #seal(name: string, value: string): string {
    const nonce = randomBytes(12)
    const c = createCipheriv('aes-256-gcm', this.#key, nonce)
    c.setAAD(Buffer.from(name, 'utf8'))
    const ct = Buffer.concat([c.update(value, 'utf8'), c.final(), c.getAuthTag()])
    return PREFIX + Buffer.concat([nonce, ct]).toString('base64url')
  }

  #open(name: string, sealed: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error(`archive state ${name}: not sealed (refusing a value written without the state key)`)
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url')
    const d = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12))
    d.setAAD(Buffer.from(name, 'utf8'))
    d.setAuthTag(raw.subarray(raw.length - 16))
    try {
      return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8')
    } catch {
      throw new Error(`archive state ${name}: does not open with this key file's state key`)
    }
  }

  async get(key: string): Promise<string | undefined> {
    const v = await this.#inner.get(key)
    return v === undefined ? undefined : this.#open(key, v)
  }
  put(key: string, value: string): Promise<void> {
    return this.#inner.put(key, this.#seal(key, value))
  }
  delete(key: string): Promise<void> {
    return this.#inner.delete(key)
  }
  keys(prefix: string): Promise<string[]> {
    return this.#inner.keys(prefix)
  }
  // Message history: none kept (the sealed records are the archive's copy).
  async append(_log: string, _line: string): Promise<void> {}
  async lines(_log: string): Promise<string[]> {
    return []
  }
  async rewrite(_log: string, _lines: readonly string[]): Promise<void> {}
}

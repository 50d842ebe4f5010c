// LocalStore on the file system: one file per key (written to a temporary file and renamed,
// so a crash leaves the old or the new value, never half of one) and append-only logs.
import { appendFile, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LocalStore } from '../local-store.ts'

function fileName(key: string): string {
  return encodeURIComponent(key).replace(/\./g, '%2E')
}

export class FileLocalStore implements LocalStore {
  readonly #dir: string
  #ready: Promise<void> | undefined

  constructor(dir: string) {
    this.#dir = dir
  }

  #init(): Promise<void> {
    this.#ready ??= Promise.all([
      mkdir(join(this.#dir, 'kv'), { recursive: true, mode: 0o700 }),
      mkdir(join(this.#dir, 'logs'), { recursive: true, mode: 0o700 }),
    ]).then(() => undefined)
    return this.#ready
  }

  async get(key: string): Promise<string | undefined> {
    await this.#init()
    try {
      return await readFile(join(this.#dir, 'kv', fileName(key)), 'utf8')
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return undefined
      throw e
    }
  }

  async put(key: string, value: string): Promise<void> {
    await this.#init()
    const path = join(this.#dir, 'kv', fileName(key))
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
    await writeFile(tmp, value, { mode: 0o600 })
    await rename(tmp, path)
  }

  async delete(key: string): Promise<void> {
    await this.#init()
    await rm(join(this.#dir, 'kv', fileName(key)), { force: true })
  }

  async keys(prefix: string): Promise<string[]> {
    await this.#init()
    const names = await readdir(join(this.#dir, 'kv'))
    return names
      .filter((n) => !n.endsWith('.tmp'))
      .map((n) => decodeURIComponent(n))
      .filter((k) => k.startsWith(prefix))
      .sort()
  }

  async append(log: string, line: string): Promise<void> {
    await this.#init()
    await appendFile(join(this.#dir, 'logs', fileName(log)), `${line}\n`, { mode: 0o600 })
  }

  async lines(log: string): Promise<string[]> {
    await this.#init()
    try {
      const text = await readFile(join(this.#dir, 'logs', fileName(log)), 'utf8')
      return text.split('\n').filter((l) => l.length > 0)
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return []
      throw e
    }
  }
}

// LocalStore on the file system: one file per key (written to a temporary file and renamed,
// so a crash leaves the old or the new value, never half of one) and append-only logs, which
// are rewritten the same way (and fsynced) when expired history is deleted.
import { appendFile, mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LocalStore } from '../local-store.ts'

function fileName(key: string): string {
  return encodeURIComponent(key).replace(/\./g, '%2E')
}

/** A temporary file left over after a crash (or a kill) of a writer that is gone by now. */
const STALE_TMP_MS = 10 * 60_000

function writerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM'
  }
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
    ]).then(() => Promise.all([this.#removeStaleTmp('kv'), this.#removeStaleTmp('logs')]).then(() => undefined))
    return this.#ready
  }

  /**
   * A rewrite interrupted between writing its temporary file and renaming it would leave a
   * copy of history that was meant to be deleted; remove those whose writer is gone (the pid
   * is in the name) or that are old, never one another live writer may still rename.
   */
  async #removeStaleTmp(sub: string): Promise<void> {
    const dir = join(this.#dir, sub)
    for (const n of await readdir(dir)) {
      const m = /\.(\d+)\.[a-z0-9]+\.tmp$/.exec(n)
      if (!m) continue
      const path = join(dir, n)
      const old = await stat(path).then((s) => Date.now() - s.mtimeMs > STALE_TMP_MS, () => false)
      if (old || !writerAlive(Number(m[1]))) await rm(path, { force: true })
    }
  }

  #tmpName(path: string): string {
    return `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
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
    const tmp = this.#tmpName(path)
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

  async rewrite(log: string, lines: readonly string[]): Promise<void> {
    await this.#init()
    const dir = join(this.#dir, 'logs')
    const path = join(dir, fileName(log))
    if (lines.length === 0) {
      await rm(path, { force: true })
    } else {
      const tmp = this.#tmpName(path)
      try {
        const f = await open(tmp, 'w', 0o600)
        try {
          await f.writeFile(lines.map((l) => `${l}\n`).join(''))
          await f.sync()
        } finally {
          await f.close()
        }
        await rename(tmp, path)
      } catch (e) {
        await rm(tmp, { force: true })
        throw e
      }
    }
    // The rename (or removal) itself is durable only once the folder is synced: until then a
    // power loss could bring the old file, with the deleted lines, back.
    const d = await open(dir, 'r')
    try {
      await d.sync()
    } finally {
      await d.close()
    }
  }
}

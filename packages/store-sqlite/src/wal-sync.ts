// Makes queue commits durable without the event loop waiting on the disk. The queue's
// transactions commit with synchronous=NORMAL (their WAL frames are written, not flushed); a
// commit that must survive power loss then waits for an fdatasync of the WAL file that began
// after it, which runs in libuv's thread pool while the event loop goes on. Commits made while a
// flush runs share the next one, so under load one flush covers several turns. The WAL file
// keeps its inode while the database is open (a truncating checkpoint empties it in place), so
// one descriptor serves for the store's life.
import { close, fdatasync, openSync } from 'node:fs'

type Done = (error: Error | null) => void

export class WalSync {
  readonly #walPath: string
  #fd: number | undefined
  #running = false
  #waiting: Done[] = []
  #idle: (() => void) | undefined
  #closed = false

  constructor(walPath: string) {
    this.#walPath = walPath
  }

  /** Calls `done` once everything committed before this call is on disk (or the flush failed). */
  afterCommit(done: Done): void {
    if (this.#closed) return done(new Error('the store is closed'))
    this.#waiting.push(done)
    if (!this.#running) this.#flush()
  }

  #flush(): void {
    const batch = this.#waiting
    this.#waiting = []
    let fd: number
    try {
      fd = this.#fd ??= openSync(this.#walPath, 'r')
    } catch (e) {
      for (const done of batch) done(e as Error)
      return
    }
    this.#running = true
    fdatasync(fd, (error) => {
      this.#running = false
      for (const done of batch) done(error)
      if (this.#waiting.length > 0) this.#flush()
      else this.#idle?.()
    })
  }

  /** Waits for the flushes under way or asked for, then closes the descriptor; later commits fail. */
  async close(): Promise<void> {
    this.#closed = true
    while (this.#running) await new Promise<void>((resolve) => (this.#idle = resolve))
    this.#idle = undefined
    const fd = this.#fd
    this.#fd = undefined
    if (fd !== undefined) await new Promise<void>((resolve) => close(fd, () => resolve()))
  }
}

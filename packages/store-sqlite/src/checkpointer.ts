// Moves WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside whichever
// commit pushes the WAL past its limit, copying thousands of pages and fsyncing the database
// file on the server's only thread — a stall every message in flight waits out. Instead the
// main connection turns the automatic checkpoint off and a worker thread with its own
// connection runs a PASSIVE checkpoint (never waits for, nor blocks, the writer) every few
// hundred milliseconds (`intervalMs`). If the worker fails, the automatic checkpoint is switched back on.
import { Worker } from 'node:worker_threads'
import { createRequire } from 'node:module'

// Plain CommonJS, evaluated in the worker: no loader needed there.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.path)
db.pragma('busy_timeout = 1000')
let timer
const tick = () => {
  db.pragma('wal_checkpoint(PASSIVE)')
  timer = setTimeout(tick, workerData.intervalMs)
}
parentPort.on('message', (m) => {
  if (m !== 'stop') return
  clearTimeout(timer)
  db.close()
  parentPort.close()
})
tick()
`

export class Checkpointer {
  readonly #worker: Worker
  #stopped = false

  /** `onFailure` runs if the worker dies: the caller then turns the automatic checkpoint back on. */
  constructor(path: string, intervalMs: number, onFailure: (error: unknown) => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, intervalMs } })
    this.#worker.unref()
    this.#worker.on('error', (e) => {
      if (!this.#stopped) onFailure(e)
    })
    this.#worker.on('exit', (code) => {
      if (!this.#stopped) onFailure(new Error(`checkpoint worker exited with code ${code}`))
    })
  }

  /** Stops the worker after its current checkpoint and closes its connection. */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()))
    this.#worker.postMessage('stop')
    const timeout = setTimeout(() => void this.#worker.terminate(), 2_000)
    await exited
    clearTimeout(timeout)
  }
}

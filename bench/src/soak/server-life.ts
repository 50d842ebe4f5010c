// The server under the soak: `candor serve` on SQLite as an operator runs it, killed with
// SIGKILL and started again on the same data directory and port.
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { drainOutput, spawnPinned, stopChild, waitForLine } from '../spawn.ts'

const CLI = fileURLToPath(new URL('../../../packages/cli/bin/candor.js', import.meta.url))

export class ServerLife {
  readonly dataDir: string
  port = 0
  #child: ChildProcess | undefined
  #tail: () => string = () => ''

  constructor(dataDir: string) {
    this.dataDir = dataDir
  }

  /** Starts the server (on the port it had, after the first start) and waits until it listens. */
  async start(): Promise<void> {
    const child = spawnPinned(process.execPath, [CLI, 'serve', '--port', String(this.port), '--data', this.dataDir, '--log-level', 'warn'], { cpu: -1 })
    this.#child = child
    const m = await waitForLine(child, /listening on http:\/\/127\.0\.0\.1:(\d+)/, 120_000, 'candor serve')
    this.#tail = drainOutput(child)
    this.port = Number(m[1])
  }

  /** SIGKILL; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.#child
    if (!child || child.exitCode !== null || child.signalCode !== null) throw new Error(`the server was not running: ${this.#tail()}`)
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
  }

  /** Whether the server died by itself (not by our kill). */
  get crashed(): boolean {
    const c = this.#child
    return c !== undefined && c.exitCode !== null
  }

  output(): string {
    return this.#tail()
  }

  async stop(): Promise<void> {
    if (this.#child) await stopChild(this.#child)
  }
}

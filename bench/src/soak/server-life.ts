// The server under the soak: `candor serve` on SQLite as an operator runs it (from the built
// packages: systems/candor-dist.ts), killed with SIGKILL and started again on the same data
// directory and port.
import type { ChildProcess } from 'node:child_process'
import { drainOutput, spawnPinned, stopChild, waitForLine } from '../spawn.ts'
import { candorFromDist } from '../systems/candor-dist.ts'

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
    const serve = await candorFromDist(['serve', '--port', String(this.port), '--data', this.dataDir, '--log-level', 'warn'])
    const child = spawnPinned(process.execPath, serve.args, { cpu: -1, env: serve.env })
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

// Runs `candor serve` as a child process, as an operator would, for tests that kill it.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const CANDOR_BIN = fileURLToPath(new URL('../bin/candor.js', import.meta.url))

export interface ServerProcess {
  url: string
  port: number
  child: ChildProcess
  /** What the process printed so far (stdout and stderr). */
  output(): string
  kill(signal?: NodeJS.Signals): Promise<void>
}

export interface ServerProcessOptions {
  /** More `candor serve` flags (e.g. --key-file PATH). */
  args?: readonly string[]
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv
  /** How long the server may take to listen (default 90 s: a 2-core machine shared under load); past it the child is stopped and the start fails. */
  startTimeoutMs?: number
}

export function startServerProcess(dataDir: string, port = 0, opts: ServerProcessOptions = {}): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const args = [CANDOR_BIN, 'serve', '--port', String(port), '--data', dataDir, '--log-level', 'warn', ...(opts.args ?? [])]
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.env ? { env: opts.env } : {}),
    })
    let out = ''
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`server did not start: ${out}`))
    }, opts.startTimeoutMs ?? 90_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening on (http:\/\/[^\s]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        const url = m[1]!
        resolve({
          url,
          port: Number(new URL(url).port),
          child,
          output: () => out,
          kill: (signal = 'SIGTERM') =>
            new Promise<void>((r) => {
              if (child.exitCode !== null || child.signalCode !== null) return r()
              child.once('exit', () => r())
              child.kill(signal)
            }),
        })
      }
    })
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)))
  })
}

export interface CliResult {
  stdout: string
  stderr: string
  code: number
}

/** Runs the `candor` command as a script would; a non-zero exit is a result, not a throw. */
/** `timeoutMs` (default 120 s) only ends a hung process: a command's start, MLS work and requests
 * can take tens of seconds on a 2-core machine shared under load, and a kill there is a false failure. */
export async function runCandor(args: readonly string[], env?: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliResult> {
  const { execFile } = await import('node:child_process')
  return new Promise((resolve) => {
    execFile(process.execPath, [CANDOR_BIN, ...args], { timeout: timeoutMs, ...(env ? { env } : {}) }, (error, stdout, stderr) => {
      resolve({ stdout, stderr, code: error ? ((error as { code?: number }).code ?? 1) : 0 })
    })
  })
}

// Starts a child process pinned to one CPU with the open-files limit raised as far as the
// hard limit allows: bash -c 'ulimit -n …; exec taskset -c CPU cmd…'. exec keeps the pid,
// so /proc/<pid> of the returned child is the measured program itself.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process'

export interface PinnedOptions {
  /** The CPU to pin to; negative leaves the process free on every CPU. */
  cpu: number
  cwd?: string
  env?: NodeJS.ProcessEnv
  stdio?: StdioOptions
  /** Soft open-files limit wanted; capped at the hard limit. */
  nofile?: number
}

// Children still running; killed if the bench itself is interrupted.
const live = new Set<ChildProcess>()
let hooked = false
function hookSignals(): void {
  if (hooked) return
  hooked = true
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const c of live) c.kill('SIGKILL')
      process.exit(130)
    })
  }
}

export function spawnPinned(cmd: string, args: readonly string[], o: PinnedOptions): ChildProcess {
  const want = o.nofile ?? 200_000
  // cpu < 0: not pinned (free on every CPU).
  const pin = o.cpu >= 0 ? `taskset -c ${o.cpu} ` : ''
  const script = `h=$(ulimit -Hn); w=${want}; if [ "$h" != unlimited ] && [ "$h" -lt "$w" ]; then w=$h; fi; ulimit -n "$w"; exec ${pin}"$@"`
  const child = spawn('bash', ['-c', script, 'pinned', cmd, ...args], {
    cwd: o.cwd,
    env: o.env ?? process.env,
    stdio: o.stdio ?? ['ignore', 'pipe', 'pipe'],
  })
  hookSignals()
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

/** Resolves with the first line of output matching `re` (stdout or stderr), or rejects. */
export function waitForLine(child: ChildProcess, re: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buf = ''
    const onData = (d: Buffer) => {
      buf += d.toString()
      const m = re.exec(buf)
      if (m) {
        done()
        resolve(m)
      }
      if (buf.length > 1 << 20) buf = buf.slice(-4096)
    }
    const onExit = (code: number | null) => {
      done()
      reject(new Error(`${what} exited (${code}) before it was ready: ${buf.slice(-2000)}`))
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`${what} was not ready within ${timeoutMs} ms: ${buf.slice(-2000)}`))
    }, timeoutMs)
    const done = () => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.stderr?.off('data', onData)
      child.off('exit', onExit)
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', onExit)
  })
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(t)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/** Drains a child's output so its pipes never fill; keeps the tail for error messages. */
export function drainOutput(child: ChildProcess): () => string {
  let tail = ''
  const keep = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return () => tail
}

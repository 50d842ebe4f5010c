// The set-up the compliance-archive CLI tests share: a `candor serve` process on a throwaway data
// folder, `candor` commands run as scripts would (each in its own home folder), the archive as its
// own `candor archive run` process, and organisation acme with its people, owner and officers.
// Calling `archiveTestbed` registers the server's start and stop with vitest (beforeAll/afterAll).
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_ORG_POLICY } from '@candor/protocol'
import { parseIndexLine, type ArchiveIndexLine } from '@candor/compliance'
import { CANDOR_BIN, startServerProcess, type CliResult, type ServerProcess } from './server-process.ts'

export interface ArchiveProcess {
  child: ChildProcess
  /** What the archive printed so far (stdout and stderr). */
  out(): string
}

/** The archive key a `candor archive keys|keygen` printed, for the policy's `archive.archiveKey`. */
export const printedArchiveKey = (stdout: string): string | undefined => /archive key \(for the policy's archive\.archiveKey\): (\S+)/.exec(stdout)?.[1]

export class ArchiveTestbed {
  readonly dir: string
  #server: ServerProcess | undefined
  archive: ArchiveProcess | undefined

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), `candor-${prefix}-`))
  }

  get server(): ServerProcess {
    if (!this.#server) throw new Error('the server has not started')
    return this.#server
  }

  /** The server the commands talk to. */
  attach(server: ServerProcess): void {
    this.#server = server
  }

  home = (h: string): string => join(this.dir, h)

  /** Runs `candor ARGS`, 120 s for each command (under a loaded machine one can take over 30 s). */
  run = (args: readonly string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(process.execPath, [CANDOR_BIN, ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
        resolve({ stdout, stderr: error?.killed ? `${stderr}(killed after 120 s)` : stderr, code: error ? ((error as { code?: number }).code ?? 1) : 0 })
      })
    })

  /** `candor` as the person whose home folder is `h`, against this server. */
  candor = (h: string, ...args: string[]): Promise<CliResult> => this.run(['--server', this.server.url, '--home', this.home(h), ...args])

  /** Runs a command that must succeed; its stderr is the failure message. */
  ok = async (h: string, ...args: string[]): Promise<CliResult> => {
    const r = await this.candor(h, ...args)
    expect(r.code, `candor ${args.join(' ')}: ${r.stderr}`).toBe(0)
    return r
  }

  /** Waits until `f` gives a truthy value; the archive's output is in the error on a timeout. */
  until = async <T>(what: string, f: () => T | Promise<T>, timeoutMs = 90_000): Promise<NonNullable<T>> => {
    const end = Date.now() + timeoutMs
    for (;;) {
      const v = await f()
      if (v) return v as NonNullable<T>
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}${this.archive ? `\narchive output:\n${this.archive.out()}` : ''}`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }

  /** Starts `candor archive run` (home `arch`) with more flags; it becomes `this.archive`. */
  startArchive = (...flags: string[]): ArchiveProcess => {
    const child = spawn(process.execPath, [CANDOR_BIN, '--server', this.server.url, '--home', this.home('arch'), 'archive', 'run', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    this.archive = { child, out: () => out }
    return this.archive
  }

  /** Stops the archive process and waits until it has exited. */
  stopArchive = async (): Promise<void> => {
    const a = this.archive
    if (!a) return
    a.child.kill('SIGTERM')
    await this.until('the archive to stop', () => a.child.exitCode !== null || a.child.signalCode !== null)
  }

  /** The archive's index lines (none before it wrote one). */
  indexLines = (): ArchiveIndexLine[] => {
    try {
      return readFileSync(join(this.home('arch'), 'index.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map(parseIndexLine)
    } catch {
      return []
    }
  }

  /** Every file under a folder (none if it does not exist). */
  filesUnder = (d: string): string[] => {
    if (!existsSync(d)) return []
    return readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? this.filesUnder(join(d, n)) : [join(d, n)]))
  }

  /**
   * The operator (home `op`, enrolled with the server's printed admin token) makes organisation
   * acme (domain acme.example, open sign-up); each of `people` registers as `<name>@acme.example`
   * (home `<name>`); alice becomes owner and grants each of `officers` compliance officer; the
   * archive account archive@acme.example registers (home `arch`).
   */
  setUpAcme = async (people: readonly string[], officers: readonly string[]): Promise<void> => {
    const token = /admin enrol (adm-\S+)/.exec(this.server.output())?.[1]
    await this.ok('op', 'register', 'op')
    await this.ok('op', 'admin', 'enrol', token!, '--org', 'ops')
    await this.ok('op', 'org', 'create', 'acme', '--name', 'ACME', '--signup', 'open')
    await this.ok('op', 'org', 'domains', 'acme', 'add', 'acme.example')
    for (const u of people) await this.ok(u, 'register', `${u}@acme.example`, '--org', 'acme')
    await this.ok('op', 'org', 'grant', 'acme', 'alice@acme.example', 'owner')
    for (const u of officers) await this.ok('alice', 'org', 'grant', 'acme', `${u}@acme.example`, 'compliance_officer')
    await this.ok('arch', 'archive', 'register', 'archive@acme.example', '--org', 'acme')
  }

  /** Alice sets acme's policy: the defaults, the archive required everywhere, with this archive key. */
  setArchivePolicy = (archiveKey: string | undefined, account = 'archive@acme.example'): Promise<CliResult> => {
    const file = join(this.dir, 'policy.json')
    writeFileSync(file, JSON.stringify({ ...DEFAULT_ORG_POLICY, archive: { required: 'all', account, ...(archiveKey !== undefined ? { archiveKey } : {}) } }))
    return this.candor('alice', 'org', 'policy', 'acme', 'set', file)
  }
}

/** A testbed whose server starts before the file's tests and stops (with the archive) after them. */
export function archiveTestbed(prefix: string): ArchiveTestbed {
  const bed = new ArchiveTestbed(prefix)
  let server: ServerProcess | undefined
  beforeAll(async () => {
    // A loaded machine can take more than the default start time.
    server = await startServerProcess(bed.home('data'), 0, { startTimeoutMs: 100_000 })
    bed.attach(server)
  }, 300_000)
  afterAll(async () => {
    bed.archive?.child.kill('SIGTERM')
    await server?.kill()
    rmSync(bed.dir, { recursive: true, force: true })
  })
  return bed
}

/**
 * Each step of a describe builds on the one before: after a failure the rest are skipped, not
 * timed out. Call inside the describe.
 */
export function stepsInOrder(): void {
  let failed = false
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true
  })
  beforeEach((ctx) => {
    if (failed) ctx.skip()
  })
}

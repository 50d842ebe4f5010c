// A three-node Candor cluster for tests: `candor serve` child processes on one PostgreSQL (a
// throwaway schema per run) and one NATS, as an operator would run them, every node given the
// same server keys (here in CANDOR_SERVER_KEYS, as a container would get them). Finds (or starts)
// PostgreSQL and NATS first; without them the caller skips loudly, or fails under CI=true.
import { execSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect as tcpConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { generateServerKeyFile } from '@candor/server'
import { CANDOR_BIN } from './server-process.ts'

export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test'
export const NATS_URL = 'nats://127.0.0.1:4222'

export interface NodeProcess {
  nodeId: string
  url: string
  child: ChildProcess
  /** Everything the process wrote, for failure messages. */
  output(): string
  alive(): boolean
  kill(signal?: NodeJS.Signals): Promise<void>
}

export interface Cluster {
  schema: string
  nodes: NodeProcess[]
  close(): Promise<void>
}

async function postgresReachable(): Promise<boolean> {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await sql`SELECT 1`
    return true
  } catch (e) {
    if ((e as { code?: string }).code !== '3D000') return false
    // The server is up but database `test` is missing: create it.
    const admin = postgres(PG_URL.replace(/\/test$/, '/postgres'), { max: 1, connect_timeout: 3, onnotice: () => {} })
    try {
      await admin.unsafe('CREATE DATABASE test')
      return true
    } catch {
      return false
    } finally {
      await admin.end({ timeout: 1 })
    }
  } finally {
    await sql.end({ timeout: 1 })
  }
}

function tcpReachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port, timeout: 2000 })
    const done = (ok: boolean) => {
      s.destroy()
      resolve(ok)
    }
    s.once('connect', () => done(true))
    s.once('error', () => done(false))
    s.once('timeout', () => done(false))
  })
}

async function probe(check: () => Promise<boolean>, start: string): Promise<boolean> {
  if (await check()) return true
  try {
    execSync(start, { stdio: 'ignore', timeout: 30_000 })
  } catch {
    // The probe below decides.
  }
  for (let i = 0; i < 40; i++) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 250))
  }
  return false
}

/**
 * Null when PostgreSQL and NATS answer (after trying to start them); otherwise what is
 * missing. Under CI=true a missing service throws instead.
 */
export async function clusterServicesMissing(): Promise<string | null> {
  const [pg, nats] = await Promise.all([
    probe(postgresReachable, 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'),
    probe(
      () => tcpReachable(4222),
      'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server',
    ),
  ])
  const missing = [pg ? '' : `PostgreSQL at ${PG_URL}`, nats ? '' : `nats-server at ${NATS_URL}`].filter(Boolean).join(' and ')
  if (!missing) return null
  const msg = `\n*** multi-node test: ${missing} unreachable; SKIPPING the multi-node tests ***\n`
  if (process.env['CI'] === 'true') throw new Error(msg)
  console.warn(msg)
  return missing
}

function startNode(nodeId: string, dataDir: string, schema: string, serverKeys: string, env: NodeJS.ProcessEnv): Promise<NodeProcess> {
  return new Promise((resolve, reject) => {
    const args = ['serve', '--store', PG_URL, '--bus', NATS_URL, '--port', '0', '--data', dataDir, '--node-id', nodeId, '--log-level', 'warn']
    const child = spawn(process.execPath, [CANDOR_BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, CANDOR_STORE_SCHEMA: schema, CANDOR_SERVER_KEYS: serverKeys },
    })
    let out = ''
    const alive = () => child.exitCode === null && child.signalCode === null
    // A node that reports an error instead of listening may stay alive (open pools): kill it.
    const fail = () => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${nodeId} did not start: ${out}`))
    }
    const timer = setTimeout(fail, 90_000)
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString()
      if (/^error\b/m.test(out)) fail()
    })
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /listening on (http:\/\/[^\s]+)/.exec(out)
      if (!m) {
        if (/^error\b/m.test(out)) fail()
        return
      }
      clearTimeout(timer)
      resolve({
        nodeId,
        url: m[1]!,
        child,
        output: () => out,
        alive,
        kill: (signal = 'SIGTERM') =>
          new Promise<void>((r) => {
            if (!alive()) return r()
            child.once('exit', () => r())
            child.kill(signal)
          }),
      })
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${nodeId} exited (${code ?? signal}): ${out}`))
    })
  })
}

/**
 * Starts `count` nodes at once (they race on the migrations, as a real rollout does), each with
 * this environment added (the same configuration on every node, e.g. CANDOR_WITNESSES).
 */
export async function startCluster(count = 3, env: NodeJS.ProcessEnv = {}): Promise<Cluster> {
  const schema = `candor_multinode_${randomBytes(6).toString('hex')}`
  const dir = mkdtempSync(join(tmpdir(), 'candor-multinode-'))
  const serverKeys = JSON.stringify(generateServerKeyFile(Date.now()))
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => startNode(`node-${i + 1}`, join(dir, `node-${i + 1}`), schema, serverKeys, env)),
  )
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const cluster: Cluster = {
    schema,
    nodes,
    async close() {
      // A clean stop; a node that has not exited after 5 s is killed.
      await Promise.all(
        nodes.map(async (n) => {
          const t = setTimeout(() => n.child.kill('SIGKILL'), 5000)
          await n.kill('SIGTERM')
          clearTimeout(t)
        }),
      )
      const sql = postgres(PG_URL, { max: 1, onnotice: () => {} })
      try {
        await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`
      } finally {
        await sql.end({ timeout: 1 })
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failed) {
    await cluster.close()
    throw failed.reason
  }
  return cluster
}

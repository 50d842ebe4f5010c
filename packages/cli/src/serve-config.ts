// Server configuration, read once: flags first, then environment, then defaults.
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CandorError } from '@candor/protocol'

/** The environment variable that may hold the whole key file (for containers). */
export const SERVER_KEYS_ENV = 'CANDOR_SERVER_KEYS'

/**
 * Where the server's secrets come from (docs/server-keys.md): a key file beside the database
 * (created on first start), or the key file's JSON in the environment.
 */
export type ServerKeySource = { from: 'file'; path: string } | { from: 'env'; name: typeof SERVER_KEYS_ENV; text: string }

export interface ServeConfig {
  host: string
  port: number
  dataDir: string
  /** `sqlite` (embedded, in dataDir) or a postgres:// URL. */
  store: string
  /** PostgreSQL schema holding Candor's tables (default `public`); ignored for SQLite. */
  storeSchema: string
  /** `local` (in-process) or a nats:// URL. */
  bus: string
  logLevel: string
  webRoot: string
  nodeId: string
  keys: ServerKeySource
  /**
   * Verifier keys of the witnesses whose cosignatures the directory accepts and serves:
   * `--witness VKEY` (repeatable), else CANDOR_WITNESSES (comma-separated). Checked by the server.
   */
  witnesses: string[]
}

/** Parsed command-line flags (a repeatable one gives a list). */
type Flags = Record<string, string | boolean | Array<string | boolean> | undefined>

const flagOrEnv = (flags: Flags, env: NodeJS.ProcessEnv, flag: string, envName: string): string | undefined => {
  const f = flags[flag]
  return typeof f === 'string' ? f : env[envName]
}

/** The data folder (default `.candor/server`). */
export function readDataDir(flags: Flags, env: NodeJS.ProcessEnv): string {
  return resolve(flagOrEnv(flags, env, 'data', 'CANDOR_DATA') ?? '.candor/server')
}

/** The key file's path: `--key-file` / CANDOR_KEY_FILE, else `server-keys.json` in the data folder. */
export function readKeyFilePath(flags: Flags, env: NodeJS.ProcessEnv): { path: string; explicit: boolean } {
  const given = flagOrEnv(flags, env, 'key-file', 'CANDOR_KEY_FILE')
  return given !== undefined ? { path: resolve(given), explicit: true } : { path: join(readDataDir(flags, env), 'server-keys.json'), explicit: false }
}

export function readServerKeySource(flags: Flags, env: NodeJS.ProcessEnv): ServerKeySource {
  const file = readKeyFilePath(flags, env)
  const text = env[SERVER_KEYS_ENV]
  if (text === undefined) return { from: 'file', path: file.path }
  if (file.explicit) throw new CandorError('bad_request', `give the server keys either in ${SERVER_KEYS_ENV} or as a key file (--key-file, CANDOR_KEY_FILE), not both`)
  return { from: 'env', name: SERVER_KEYS_ENV, text }
}

/** `--witness` flags, else CANDOR_WITNESSES; a vkey holds no comma or space, so either separates. */
export function readWitnesses(flags: Flags, env: NodeJS.ProcessEnv): string[] {
  const f = flags['witness']
  const given = Array.isArray(f) ? f : typeof f === 'string' ? [f] : f === undefined ? [] : [f]
  if (given.some((w) => typeof w !== 'string')) throw new CandorError('bad_request', '--witness needs a verifier key: --witness VKEY')
  const list = given.length > 0 ? (given as string[]) : (env['CANDOR_WITNESSES'] ?? '').split(',')
  return [...new Set(list.map((w) => w.trim()).filter((w) => w !== ''))]
}

export function readServeConfig(flags: Flags, env: NodeJS.ProcessEnv): ServeConfig {
  const str = (flag: string, envName: string, dflt: string): string => {
    const f = flags[flag]
    return typeof f === 'string' ? f : (env[envName] ?? dflt)
  }
  const port = Number(str('port', 'CANDOR_PORT', '8420'))
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got ${String(flags.port)}`)
  const store = str('store', 'CANDOR_STORE', 'sqlite')
  if (store !== 'sqlite' && !/^postgres(ql)?:\/\//.test(store)) throw new Error('--store must be "sqlite" or a postgres:// URL')
  const bus = str('bus', 'CANDOR_BUS', 'local')
  if (bus !== 'local' && !bus.startsWith('nats://')) throw new Error('--bus must be "local" or a nats:// URL')
  if (store === 'sqlite' && bus !== 'local') throw new Error('several nodes need a shared store: use --store postgres://… with --bus nats://…')
  return {
    host: str('host', 'CANDOR_HOST', '127.0.0.1'),
    port,
    dataDir: readDataDir(flags, env),
    store,
    storeSchema: str('store-schema', 'CANDOR_STORE_SCHEMA', 'public'),
    bus,
    logLevel: str('log-level', 'CANDOR_LOG_LEVEL', 'info'),
    webRoot: resolve(str('web-root', 'CANDOR_WEB_ROOT', fileURLToPath(new URL('../../../apps/web/dist', import.meta.url)))),
    nodeId: str('node-id', 'CANDOR_NODE_ID', `node-${process.pid}`),
    keys: readServerKeySource(flags, env),
    witnesses: readWitnesses(flags, env),
  }
}

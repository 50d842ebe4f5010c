// Server configuration, read once: flags first, then environment, then defaults.
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CandorError } from '@candor/protocol'
import type { NatsAuth, NatsTls } from '@candor/bus-nats'

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
  /** `local` (in-process), or a nats:// (tls:// for TLS) URL without credentials in it. */
  bus: string
  /** TLS and credentials for NATS (docs/scale-out.md); none for `local`. */
  busSecurity: { tls?: NatsTls; auth?: NatsAuth }
  /** Where /metrics is served: its own listener, never the public port; undefined: not served. */
  metrics: { host: string; port: number } | undefined
  logLevel: string
  webRoot: string
  nodeId: string
  keys: ServerKeySource
  /**
   * Verifier keys of the witnesses whose cosignatures the directory accepts and serves:
   * `--witness VKEY` (repeatable), else CANDOR_WITNESSES (comma-separated). Checked by the server.
   */
  witnesses: string[]
  /**
   * The `default` organisation's sign-up, set at start: `--no-open-signup` (CANDOR_OPEN_SIGNUP=0)
   * closes it, `--open-signup` (CANDOR_OPEN_SIGNUP=1) opens it; neither leaves it as stored
   * (open on a fresh data folder).
   */
  defaultSignup: 'open' | 'closed' | undefined
  /**
   * Requests a second allowed per client address (`--http-rate`, CANDOR_HTTP_RATE; default the
   * server's, 200) and key-directory lookups a second per address (`--lookup-rate`,
   * CANDOR_LOOKUP_RATE; default the request rate; 0 turns lookups away). Undefined: the default.
   */
  rates: { httpPerSecond?: number; lookupPerSecond?: number }
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

/** `--open-signup` / `--no-open-signup`, else CANDOR_OPEN_SIGNUP (1 or 0), else unchanged. */
export function readDefaultSignup(flags: Flags, env: NodeJS.ProcessEnv): ServeConfig['defaultSignup'] {
  const open = flags['open-signup'] === true
  const closed = flags['no-open-signup'] === true
  if (open && closed) throw new Error('give --open-signup or --no-open-signup, not both')
  if (open) return 'open'
  if (closed) return 'closed'
  const e = env['CANDOR_OPEN_SIGNUP']
  if (e === undefined || e === '') return undefined
  if (e === '1') return 'open'
  if (e === '0') return 'closed'
  throw new Error('CANDOR_OPEN_SIGNUP must be 1 (open) or 0 (closed)')
}

const parsePort = (v: string, what: string): number => {
  const port = Number(v)
  if (!/^\d+$/.test(v) || port > 65535) throw new Error(`${what} must be 0-65535, got ${v}`)
  return port
}

/** The metrics listener: `--metrics-port` (CANDOR_METRICS_PORT) and `--metrics-host` (CANDOR_METRICS_HOST, default 127.0.0.1). */
export function readMetricsListener(flags: Flags, env: NodeJS.ProcessEnv): ServeConfig['metrics'] {
  const port = flagOrEnv(flags, env, 'metrics-port', 'CANDOR_METRICS_PORT')
  const host = flagOrEnv(flags, env, 'metrics-host', 'CANDOR_METRICS_HOST')
  if (port === undefined) {
    if (host !== undefined) throw new Error('--metrics-host needs --metrics-port')
    return undefined
  }
  return { host: host ?? '127.0.0.1', port: parsePort(port, '--metrics-port') }
}

/**
 * TLS and credentials for the bus. Files by path (`--bus-ca`, `--bus-cert` with `--bus-key`,
 * `--bus-creds`, `--bus-nkey`); a user name by `--bus-user` with its password only in the
 * environment (CANDOR_BUS_PASSWORD), and a token only there (CANDOR_BUS_TOKEN): a command line is
 * visible to every user of the machine. At most one kind of credential.
 */
export function readBusSecurity(flags: Flags, env: NodeJS.ProcessEnv, bus: string): ServeConfig['busSecurity'] {
  const get = (flag: string, envName: string) => flagOrEnv(flags, env, flag, envName)
  const ca = get('bus-ca', 'CANDOR_BUS_CA')
  const cert = get('bus-cert', 'CANDOR_BUS_CERT')
  const key = get('bus-key', 'CANDOR_BUS_KEY')
  const wantsTls = flags['bus-tls'] === true || env['CANDOR_BUS_TLS'] === '1' || bus.startsWith('tls://')
  const user = get('bus-user', 'CANDOR_BUS_USER')
  const password = env['CANDOR_BUS_PASSWORD']
  const token = env['CANDOR_BUS_TOKEN']
  const creds = get('bus-creds', 'CANDOR_BUS_CREDS')
  const nkey = get('bus-nkey', 'CANDOR_BUS_NKEY')
  const given = [ca, cert, key, user, password, token, creds, nkey].some((v) => v !== undefined) || wantsTls
  if (bus === 'local') {
    if (given) throw new Error('the bus options (--bus-ca, --bus-user, …) need --bus nats://…')
    return {}
  }
  if ((cert === undefined) !== (key === undefined)) throw new Error('--bus-cert and --bus-key go together (the client certificate and its key)')
  if ((user === undefined) !== (password === undefined)) throw new Error('--bus-user needs its password in CANDOR_BUS_PASSWORD (and the password a user)')
  const kinds = [user !== undefined, token !== undefined, creds !== undefined, nkey !== undefined].filter(Boolean).length
  if (kinds > 1) throw new Error('give one NATS credential: a user (--bus-user, CANDOR_BUS_PASSWORD), a token (CANDOR_BUS_TOKEN), --bus-creds or --bus-nkey')
  const out: ServeConfig['busSecurity'] = {}
  if (wantsTls || ca !== undefined || cert !== undefined) {
    out.tls = {
      ...(ca !== undefined ? { caFile: resolve(ca) } : {}),
      ...(cert !== undefined && key !== undefined ? { certFile: resolve(cert), keyFile: resolve(key) } : {}),
    }
  }
  if (user !== undefined && password !== undefined) out.auth = { kind: 'user', user, password }
  else if (token !== undefined) out.auth = { kind: 'token', token }
  else if (creds !== undefined) out.auth = { kind: 'creds', file: resolve(creds) }
  else if (nkey !== undefined) out.auth = { kind: 'nkey', seedFile: resolve(nkey) }
  return out
}

/** `--http-rate` and `--lookup-rate` (or their environment variables): whole numbers, the request rate at least 1. */
export function readRates(flags: Flags, env: NodeJS.ProcessEnv): ServeConfig['rates'] {
  const read = (flag: string, envName: string, least: number): number | undefined => {
    const v = flagOrEnv(flags, env, flag, envName)
    if (v === undefined || v === '') return undefined
    if (!/^\d{1,7}$/.test(v) || Number(v) < least) throw new Error(`--${flag} must be a whole number of requests a second, at least ${least}; got ${v}`)
    return Number(v)
  }
  const httpPerSecond = read('http-rate', 'CANDOR_HTTP_RATE', 1)
  const lookupPerSecond = read('lookup-rate', 'CANDOR_LOOKUP_RATE', 0)
  return { ...(httpPerSecond !== undefined ? { httpPerSecond } : {}), ...(lookupPerSecond !== undefined ? { lookupPerSecond } : {}) }
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
  if (bus !== 'local' && !/^(nats|tls):\/\//.test(bus)) throw new Error('--bus must be "local" or a nats:// (or tls://) URL')
  if (bus !== 'local' && /^[a-z]+:\/\/[^/]*@/.test(bus)) {
    throw new Error('--bus must not carry credentials (they would show in the process list): use --bus-user with CANDOR_BUS_PASSWORD, CANDOR_BUS_TOKEN, --bus-creds or --bus-nkey')
  }
  if (store === 'sqlite' && bus !== 'local') throw new Error('several nodes need a shared store: use --store postgres://… with --bus nats://…')
  return {
    host: str('host', 'CANDOR_HOST', '127.0.0.1'),
    port,
    dataDir: readDataDir(flags, env),
    store,
    storeSchema: str('store-schema', 'CANDOR_STORE_SCHEMA', 'public'),
    bus,
    busSecurity: readBusSecurity(flags, env, bus),
    metrics: readMetricsListener(flags, env),
    logLevel: str('log-level', 'CANDOR_LOG_LEVEL', 'info'),
    webRoot: resolve(str('web-root', 'CANDOR_WEB_ROOT', fileURLToPath(new URL('../../../apps/web/dist', import.meta.url)))),
    nodeId: str('node-id', 'CANDOR_NODE_ID', `node-${process.pid}`),
    keys: readServerKeySource(flags, env),
    witnesses: readWitnesses(flags, env),
    defaultSignup: readDefaultSignup(flags, env),
    rates: readRates(flags, env),
  }
}

// Server configuration, read once: flags first, then environment, then defaults.
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

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
}

export function readServeConfig(flags: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): ServeConfig {
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
    dataDir: resolve(str('data', 'CANDOR_DATA', '.candor/server')),
    store,
    storeSchema: str('store-schema', 'CANDOR_STORE_SCHEMA', 'public'),
    bus,
    logLevel: str('log-level', 'CANDOR_LOG_LEVEL', 'info'),
    webRoot: resolve(str('web-root', 'CANDOR_WEB_ROOT', fileURLToPath(new URL('../../../apps/web/dist', import.meta.url)))),
    nodeId: str('node-id', 'CANDOR_NODE_ID', `node-${process.pid}`),
  }
}

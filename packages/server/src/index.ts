export { createServer, type CandorServer, type ServerOptions } from './server.ts'
export { createLogger, REDACTED_FIELDS } from './logger.ts'
export type { Store, Bus } from './store/index.ts'
export { InProcessBus } from './store/index.ts'

export { createServer, type CandorServer, type ServerOptions } from './server.ts'
export { createLogger, REDACTED_FIELDS } from './logger.ts'
export type { Store, Bus } from '@candor/ports'
export { InProcessBus } from './delivery/in-process-bus.ts'

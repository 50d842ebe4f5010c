export type * from './store.ts'
export type * from './bus.ts'
export { InProcessBus } from './in-process-bus.ts'
export { ERASED_DEVICE_ID, LEGACY_SECRET_NAMES, toQueuedMessage } from './store.ts'

export { SqliteStore, type SqliteOptions } from './sqlite-store.ts'

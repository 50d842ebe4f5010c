export { PostgresStore, type PostgresOptions } from './postgres-store.ts'
export { MIGRATIONS } from './migrations.ts'
export { PostgresBlobStore } from './postgres-blob-store.ts'

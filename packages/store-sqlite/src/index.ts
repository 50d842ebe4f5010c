export { SqliteStore, type SqliteOptions } from './sqlite-store.ts'
export { FolderBlobStore } from './folder-blob-store.ts'

// Types only: this package must stay free of runtime code (type-only.test.ts checks it).
export type * from './store.ts'
export type * from './scim-store.ts'
export type * from './bus.ts'
export type * from './blob-store.ts'
export type * from './contact-storage.ts'
export type * from './account-recovery-storage.ts'
export type * from './governance-storage.ts'
export type * from './push-storage.ts'

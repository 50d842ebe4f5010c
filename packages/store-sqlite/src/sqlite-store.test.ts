import { storeContract } from '@candor/server/contract-suite'
import { SqliteStore } from './sqlite-store.ts'

storeContract('SqliteStore', async () => SqliteStore.open(':memory:'))

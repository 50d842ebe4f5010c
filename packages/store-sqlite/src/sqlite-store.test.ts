import { storeContract } from '@candor/testkit/store-contract'
import { SqliteStore } from './sqlite-store.ts'

storeContract('SqliteStore', async () => SqliteStore.open(':memory:'))

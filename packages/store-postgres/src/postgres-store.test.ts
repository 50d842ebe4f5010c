// The shared Store contract against a real PostgreSQL, in a throwaway schema.
import { describe, it } from 'vitest'
import { storeContract } from '@candor/server/contract-suite'
import { PostgresStore } from './postgres-store.ts'
import { dropSchema, freshSchemaName, noDatabase, postgresAvailable, TEST_DATABASE_URL } from './test-database.ts'

const schema = freshSchemaName()

if (await postgresAvailable()) {
  storeContract('PostgresStore', () => PostgresStore.open(TEST_DATABASE_URL, { schema }), () => dropSchema(schema))
} else {
  noDatabase('PostgresStore contract')
  describe.skip('Store contract: PostgresStore', () => it('needs PostgreSQL', () => {}))
}

// The shared Store contract against a real PostgreSQL, in a throwaway schema.
import { describe, it } from 'vitest'
import { storeContract } from '@candor/testkit/store-contract'
import { dropSchema, freshSchemaName, noDatabase, postgresAvailable, TEST_DATABASE_URL } from '@candor/testkit/postgres'
import { PostgresStore } from './postgres-store.ts'

const schema = freshSchemaName()

if (await postgresAvailable()) {
  storeContract('PostgresStore', () => PostgresStore.open(TEST_DATABASE_URL, { schema }), () => dropSchema(schema))
} else {
  noDatabase('PostgresStore contract')
  describe.skip('Store contract: PostgresStore', () => it('needs PostgreSQL', () => {}))
}

// The shared BlobStore contract against a real PostgreSQL, in a throwaway schema.
import { describe, it } from 'vitest'
import { blobStoreContract } from '@candor/testkit/blob-store-contract'
import { dropSchema, freshSchemaName, noDatabase, postgresAvailable, TEST_DATABASE_URL } from '@candor/testkit/postgres'
import { PostgresBlobStore } from './postgres-blob-store.ts'

const schema = freshSchemaName()

if (await postgresAvailable()) {
  blobStoreContract('PostgresBlobStore', () => PostgresBlobStore.open(TEST_DATABASE_URL, { schema }), () => dropSchema(schema))
} else {
  noDatabase('PostgresBlobStore contract')
  describe.skip('BlobStore contract: PostgresBlobStore', () => it('needs PostgreSQL', () => {}))
}

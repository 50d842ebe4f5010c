// Numbered schema migrations: MIGRATIONS[i] is version i + 1. Applied in order, each once,
// recorded in schema_migrations. Never edit a released migration; append a new one (to the
// last era's file in migrations/, whose versions this list numbers by position).
//
// Ids are `text COLLATE "C"`: byte order (as in SQLite and JavaScript sorts) and cheaper
// comparisons than a linguistic collation.
import { VERSIONS_1_TO_11 } from './migrations/versions-01-11.ts'
import { VERSIONS_12_TO_20 } from './migrations/versions-12-20.ts'
import { VERSIONS_21_TO_32 } from './migrations/versions-21-32.ts'

export const MIGRATIONS: readonly string[] = [...VERSIONS_1_TO_11, ...VERSIONS_12_TO_20, ...VERSIONS_21_TO_32]

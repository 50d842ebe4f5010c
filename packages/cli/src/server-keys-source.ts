// The server's secrets for `candor serve`, from the key file or the environment, and the one-
// time move of secrets an older version kept in the database into the key file: unchanged
// (clients pin the directory's and the access log's keys), written durably first, and only
// then deleted from the database and purged from its older page images.
import { CandorError } from '@candor/protocol'
import {
  generateServerKeyFile,
  legacyConflicts,
  parseServerKeyFile,
  serverKeyFileFromLegacy,
  serverKeysOf,
  type ServerKeyFile,
  type ServerKeys,
  type Store,
} from '@candor/server'
import type { LegacySecrets } from '@candor/ports'
import { createKeyFile, readKeyFile } from './key-file.ts'
import type { ServerKeySource } from './serve-config.ts'

export interface LoadedServerKeys {
  keys: ServerKeys
  /** What happened, for the operator: created, moved out of the database. Never key material. */
  notes: string[]
}

function refuseConflicts(file: ServerKeyFile, legacy: LegacySecrets, where: string): void {
  const conflicts = legacyConflicts(file, legacy)
  if (conflicts.length === 0) return
  throw new CandorError(
    'conflict',
    `the database still holds server keys from an older version (${conflicts.join(', ')}) that differ from ${where}; ` +
      'clients pin them, so the server will not start with other ones. ' +
      'Start once with a key file path where no file exists yet (--key-file PATH), so they move there, and use that file from then on.',
  )
}

/** Deletes the old rows once the keys are safely elsewhere, and says so. */
async function eraseLegacy(store: Store, legacy: LegacySecrets, where: string, notes: string[]): Promise<void> {
  if (Object.keys(legacy).length === 0) return
  await store.eraseLegacySecrets()
  notes.push(`Removed the server keys of an older version from the database (they are in ${where}); copies of the database made before now still hold them.`)
}

export async function loadServerKeys(source: ServerKeySource, store: Store, now = Date.now()): Promise<LoadedServerKeys> {
  const notes: string[] = []
  const legacy = await store.legacySecrets()

  if (source.from === 'env') {
    const file = parseServerKeyFile(source.text, source.name)
    refuseConflicts(file, legacy, source.name)
    await eraseLegacy(store, legacy, source.name, notes)
    return { keys: serverKeysOf(file), notes }
  }

  const path = source.path
  const existing = readKeyFile(path)
  if (existing) {
    // A file and old rows both: an earlier move wrote the file, then stopped before the delete.
    refuseConflicts(existing, legacy, `the key file ${path}`)
    await eraseLegacy(store, legacy, `the key file ${path}`, notes)
    return { keys: serverKeysOf(existing), notes }
  }

  if (Object.keys(legacy).length > 0) {
    const moved = serverKeyFileFromLegacy(legacy, now, 'the database')
    if (!createKeyFile(path, moved)) return loadServerKeys(source, store, now)
    notes.push(`Moved the server keys out of the database into ${path} (mode 600), unchanged. Back it up, but not beside the database's backups: the two together are the whole server.`)
    await eraseLegacy(store, legacy, `the key file ${path}`, notes)
    notes.push('To make old copies of the database useless for signing in, rotate the token key: candor keys rotate-token, then after an hour candor keys rotate-token --drop-old.')
    return { keys: serverKeysOf(moved), notes }
  }

  // Neither a file nor old rows. On a database that already has a key directory, new keys
  // would sign a directory no client pins: the file has gone missing, or this node was not given it.
  if ((await store.directoryStorage().countEpochs()) > 0) {
    throw new CandorError(
      'conflict',
      `there is no key file at ${path}, and this database already has a key directory signed with keys that are not here. ` +
        'Give the key file it was served with (--key-file PATH, or its JSON in CANDOR_SERVER_KEYS): another node has a copy, or a backup does.',
    )
  }
  if (!createKeyFile(path, generateServerKeyFile(now))) return loadServerKeys(source, store, now)
  notes.push(`Created the server's key file ${path} (mode 600). Back it up, but not beside the database's backups; every node of a cluster needs a copy.`)
  const created = readKeyFile(path)
  if (!created) throw new CandorError('internal', `the key file ${path} vanished after it was created`)
  return { keys: serverKeysOf(created), notes }
}

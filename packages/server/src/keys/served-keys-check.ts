// The database remembers the public halves of the keys it was first served with. A node
// started with other keys — a fresh key file beside an existing database, a node of a cluster
// given a different copy — would sign a directory and a log that no client pins and issue
// tokens the other nodes refuse, so it refuses to start instead. Only public keys are stored.
import { CandorError, toBase64Url } from '@candor/protocol'
import type { Store } from '@candor/ports'

const META_KEY = 'served-public-keys'

export interface ServedPublicKeys {
  directorySigning: Uint8Array
  directoryVrf: Uint8Array
  accessLogSigning: Uint8Array
}

export async function checkServedKeys(store: Store, keys: ServedPublicKeys): Promise<void> {
  const mine = `v1 directory=${toBase64Url(keys.directorySigning)} vrf=${toBase64Url(keys.directoryVrf)} access-log=${toBase64Url(keys.accessLogSigning)}`
  const recorded = await store.getOrCreateMeta(META_KEY, () => mine)
  if (recorded !== mine) {
    throw new CandorError(
      'conflict',
      `this database is served with other keys (${recorded}) than the ones given (${mine}): clients pin those, so this node will not start. ` +
        'Give it the key file the database was served with (another node has a copy, or a backup).',
    )
  }
}

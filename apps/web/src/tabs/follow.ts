// A following tab's session: once the leading tab is signed in, a Messenger on the remote
// client (the leader's) and this browser's store (drafts and read marks are written there
// directly; IndexedDB keeps each write whole).
import { Messenger } from '../state/messenger.ts'
import type { Session } from '../state/session.ts'
import { IndexedDbLocalStore } from '../storage/indexeddb-local-store.ts'
import { RemoteClient } from './remote-client.ts'

export interface Following {
  session: Session
  messenger: Messenger
  /** Ends following (this tab takes over, or closes): the Messenger stops, waiting calls fail. */
  stop(): void
}

/** Resolves once a leading tab is ready; rejects if `signal` aborts first (this tab was promoted). */
export async function follow(signal: AbortSignal): Promise<Following> {
  const remote = await RemoteClient.connect(signal)
  const store = await IndexedDbLocalStore.open()
  const messenger = new Messenger(remote.client, store)
  const stop = () => {
    messenger.stop()
    remote.detach()
    store.close()
  }
  try {
    await messenger.start()
  } catch (e) {
    stop()
    throw e
  }
  if (signal.aborted) {
    stop()
    throw signal.reason
  }
  return { session: { store, client: remote.client }, messenger, stop }
}

// Which key each device of a user had in the key directory at a checkpoint someone else named —
// the checkpoint a commit's committer verified its new credentials against (§5.1). One request
// gives the server's latest checkpoint, the consistency proof from the named one to it, and the
// lookup as of the named one proven in the latest; nothing in it is taken on trust:
//
// - the latest checkpoint must be signed by the pinned key and extend this device's own view
//   (the CheckpointTracker, as for every lookup);
// - the named checkpoint (size, root) must be a prefix of it: then its root is the one the
//   signed log had at that size, whoever wrote it into the commit, and needs no signature of its
//   own. One that is not (a fork shown to the committer, a size the log never reached, a root
//   made up) is a permanent refusal, `directory_proof_invalid`; a network error is not;
// - the lookup must verify as of exactly that epoch.
import { CandorError, fromBase64Url, type CheckpointRef } from '@candor/protocol'
import { decodePastLookupProof, verifyConsistency, verifyPastLookup } from '@candor/transparency'
import type { ApiClient } from './api-client.ts'
import type { CheckpointTracker } from './checkpoint-tracker.ts'
import { attestedDevices, type VerifiedDevice } from './directory.ts'

/** Users' device lists at past checkpoints kept; a backlog of commits names a handful. */
const MAX_CACHED = 512

function fail(message: string, cause?: unknown): CandorError {
  return new CandorError('directory_proof_invalid', `key directory check failed: ${message}`, cause === undefined ? undefined : { cause })
}

export class PastDirectory {
  readonly #api: ApiClient
  readonly #tracker: CheckpointTracker
  /** `${size}/${root}/${userId}` → the devices then; least recently used first. */
  readonly #cache = new Map<string, Promise<VerifiedDevice[]>>()

  constructor(api: ApiClient, tracker: CheckpointTracker) {
    this.#api = api
    this.#tracker = tracker
  }

  /** The key the directory bound to the device at checkpoint `at`, or null if it had none then. */
  async keyAt(userId: string, deviceId: string, at: CheckpointRef): Promise<Uint8Array | null> {
    return (await this.devicesAt(userId, at)).find((d) => d.deviceId === deviceId)?.publicKey ?? null
  }

  /** The user's devices in the directory at checkpoint `at`, proven as the header says. */
  devicesAt(userId: string, at: CheckpointRef): Promise<VerifiedDevice[]> {
    const key = `${at.size}/${at.root}/${userId}`
    let hit = this.#cache.get(key)
    if (hit) {
      this.#cache.delete(key)
    } else {
      hit = this.#lookup(userId, at)
      hit.catch(() => this.#cache.delete(key))
      if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!)
    }
    this.#cache.set(key, hit)
    return hit
  }

  async #lookup(userId: string, at: CheckpointRef): Promise<VerifiedDevice[]> {
    const root = fromBase64Url(at.root)
    if (!Number.isSafeInteger(at.size) || at.size < 1 || root?.length !== 32) throw fail(`a checkpoint of size ${at.size} is not one a log can have`)
    let r
    try {
      r = await this.#api.directoryLookupAt(userId, at.size)
    } catch (e) {
      // The server's own answer that the log never reached that size: no later try will differ.
      if (e instanceof CandorError && e.code === 'not_found') throw fail(`the checkpoint named (size ${at.size}) is beyond the directory's log`, e)
      throw e
    }
    const latest = await this.#tracker.accept(r.checkpoint)
    const nodes = Array.isArray(r.consistency) ? r.consistency.map((h) => (typeof h === 'string' ? fromBase64Url(h) : null)) : null
    if (!nodes || nodes.some((n) => n === null || n.length !== 32)) throw fail('the server answered with a malformed consistency proof')
    if (!verifyConsistency(at.size, latest.size, root, latest.rootHash, nodes as Uint8Array[])) {
      throw fail(`the checkpoint named (size ${at.size}) is not part of the log this device sees (size ${latest.size}): the log forked`)
    }
    const proof = decodePastLookupProof(typeof r.proof === 'string' ? fromBase64Url(r.proof) : null)
    const verified = proof && verifyPastLookup(userId, proof, latest, await this.#tracker.vrfPublicKey(), at.size - 1)
    if (!verified) throw fail(`the lookup proof for ${userId} as of size ${at.size} does not verify`)
    return attestedDevices(userId, verified.value)
  }
}

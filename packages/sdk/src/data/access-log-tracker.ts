// What this device has seen of the access log, in the manner of the key directory's
// CheckpointTracker: the log key is pinned on first use (or given up front, from somewhere
// other than the server), every checkpoint must be signed by it
// and be an extension (RFC 9162 consistency proof) of the largest one seen before. Each
// distinct size seen is remembered with the time it was first seen, so a receipt revealed
// later (a delayed notice) can be shown to have been in the log at that earlier time.
import { openCheckpoint, noteVerifierFromKey, verifyConsistency, type Checkpoint, type NoteVerifier } from '@candor/transparency'
import { CandorError, accessLogInfoSchema, bytesEqual, consistencyResponseSchema, fromBase64Url, toBase64Url } from '@candor/protocol'
import type { LocalStore } from '../local-store.ts'
import { SerialLock } from '../serial-lock.ts'
import type { DataApi } from './data-api.ts'

const PIN = 'access/pin'
const SEEN = 'access/checkpoints'
/** Sizes remembered; older ones are thinned out (the first is always kept). */
const MAX_SEEN = 512

export interface SeenCheckpoint {
  size: number
  root: string
  /** When this device first verified a checkpoint of this size (its own clock). */
  seenAt: number
}

function fail(message: string): CandorError {
  return new CandorError('receipt_invalid', `access log check failed: ${message}`)
}

export class AccessLogTracker {
  readonly #api: DataApi
  readonly #store: LocalStore
  readonly #now: () => number
  readonly #lock = new SerialLock()
  readonly #givenKey: string | undefined
  #verifier: NoteVerifier | undefined

  /**
   * `pinnedKey`: the access log's vkey, known out of band. It must agree with a key pinned
   * earlier on this device (a device never silently changes log keys); it is pinned if none was.
   */
  constructor(api: DataApi, store: LocalStore, now: () => number = Date.now, pinnedKey?: string) {
    this.#api = api
    this.#store = store
    this.#now = now
    this.#givenKey = pinnedKey
  }

  async #pinned(): Promise<NoteVerifier> {
    if (this.#verifier) return this.#verifier
    let vkey = await this.#store.get(PIN)
    if (this.#givenKey !== undefined) {
      if (!noteVerifierFromKey(this.#givenKey)) throw fail('the access-log key given is not a valid verifier key')
      if (vkey && vkey !== this.#givenKey) throw fail('the access-log key given differs from the one this device pinned before')
      if (!vkey) await this.#store.put(PIN, this.#givenKey)
      vkey = this.#givenKey
    }
    if (!vkey) {
      vkey = (await this.#api.call(accessLogInfoSchema, 'GET', '/v1/access-log', { signedIn: false })).verifierKey
      await this.#store.put(PIN, vkey)
    }
    const v = noteVerifierFromKey(vkey)
    if (!v) throw fail('the pinned access-log key is malformed')
    this.#verifier = v
    return v
  }

  /** The pinned access-log key's text (it also signs organisations' audit logs, under their own origins). */
  async pinnedKey(): Promise<string> {
    await this.#pinned()
    return (await this.#store.get(PIN))!
  }

  /** The pinned access-log key, which also signs deletion receipts. */
  verifier(): Promise<NoteVerifier> {
    return this.#pinned()
  }

  async seen(): Promise<SeenCheckpoint[]> {
    const raw = await this.#store.get(SEEN)
    return raw ? (JSON.parse(raw) as SeenCheckpoint[]) : []
  }

  /** The largest checkpoint verified so far (what this device's messages carry as `seen`), if any. */
  async latest(): Promise<{ size: number; root: string } | undefined> {
    const last = (await this.seen()).at(-1)
    return last && { size: last.size, root: last.root }
  }

  /** Fetches and accepts the latest checkpoint. */
  async refresh(): Promise<Checkpoint> {
    const info = await this.#api.call(accessLogInfoSchema, 'GET', '/v1/access-log', { signedIn: false })
    return this.accept(info.checkpoint)
  }

  /** Verifies a checkpoint note against the pinned key and everything seen before. */
  accept(note: string): Promise<Checkpoint> {
    return this.#lock.run(async () => {
      const verifier = await this.#pinned()
      const opened = openCheckpoint(note, verifier.name, [verifier])
      if (!opened) throw fail('checkpoint is not signed by the pinned access-log key')
      const cp = opened.checkpoint
      const seen = await this.seen()
      const last = seen.at(-1)
      if (last) {
        const lastRoot = fromBase64Url(last.root)!
        if (cp.size < last.size) throw fail(`the log rolled back from size ${last.size} to ${cp.size}`)
        if (cp.size === last.size && !bytesEqual(cp.rootHash, lastRoot)) throw fail(`two different trees of size ${cp.size}: the log forked`)
        if (cp.size > last.size && last.size > 0) {
          const { proof } = await this.#api.call(consistencyResponseSchema, 'GET', `/v1/access-log/consistency?from=${last.size}&to=${cp.size}`, { signedIn: false })
          const nodes = proof.map((p) => fromBase64Url(p) ?? new Uint8Array())
          if (!verifyConsistency(last.size, cp.size, lastRoot, cp.rootHash, nodes)) {
            throw fail(`checkpoint of size ${cp.size} does not extend the one of size ${last.size} seen before: the log forked`)
          }
        }
      }
      if (!last || cp.size > last.size) {
        seen.push({ size: cp.size, root: toBase64Url(cp.rootHash), seenAt: this.#now() })
        while (seen.length > MAX_SEEN) seen.splice(1, 1)
        await this.#store.put(SEEN, JSON.stringify(seen))
      }
      return cp
    })
  }
}

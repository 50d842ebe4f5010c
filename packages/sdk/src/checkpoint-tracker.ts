// What this device has seen of the key directory's log: the pinned signing and VRF keys and
// the largest checkpoint verified so far. Every new checkpoint must be signed by the pinned
// key (and by enough trusted witnesses), and consistent with the last one: the log only grows.
import {
  cosignatureVerifier,
  noteVerifierFromKey,
  openCheckpoint,
  parseVerifierKey,
  verifyConsistency,
  type Checkpoint,
  type NoteVerifier,
} from '@candor/transparency'
import { CandorError, bytesEqual, fromBase64Url, toBase64Url, type CheckpointRef } from '@candor/protocol'
import type { ApiClient } from './api-client.ts'
import type { LocalStore } from './local-store.ts'
import { SerialLock } from './serial-lock.ts'

export interface DirectoryTrust {
  /** Pinned checkpoint signer (C2SP verifier key) and VRF key; pinned on first use when absent. */
  verifierKey?: string
  vrfPublicKey?: string
  /** Witness cosigner keys (C2SP verifier keys of type cosignature/v1) and how many must cosign. */
  witnesses?: string[]
  requiredCosignatures?: number
}

interface Pins {
  verifierKey: string
  vrfPublicKey: string
}

const PINS = 'kt/pins'
const LAST = 'kt/last-checkpoint'

function fail(message: string): CandorError {
  return new CandorError('directory_proof_invalid', `key directory check failed: ${message}`)
}

export class CheckpointTracker {
  readonly #api: ApiClient
  readonly #store: LocalStore
  readonly #trust: DirectoryTrust
  readonly #lock = new SerialLock()
  #pins: { verifier: NoteVerifier; vrf: Uint8Array } | undefined
  #witnesses: NoteVerifier[] = []
  #last: Checkpoint | undefined
  #lastNote: string | undefined

  constructor(api: ApiClient, store: LocalStore, trust: DirectoryTrust) {
    this.#api = api
    this.#store = store
    this.#trust = trust
  }

  async vrfPublicKey(): Promise<Uint8Array> {
    return (await this.#loadPins()).vrf
  }

  /** The pinned directory's origin (its checkpoints' first line and signing key's name). */
  async origin(): Promise<string> {
    return (await this.#loadPins()).verifier.name
  }

  async #loadPins(): Promise<{ verifier: NoteVerifier; vrf: Uint8Array }> {
    if (this.#pins) return this.#pins
    let pins: Pins | undefined
    const stored = await this.#store.get(PINS)
    if (stored) pins = JSON.parse(stored) as Pins
    if (!pins && this.#trust.verifierKey && this.#trust.vrfPublicKey) pins = { verifierKey: this.#trust.verifierKey, vrfPublicKey: this.#trust.vrfPublicKey }
    if (!pins) {
      const info = await this.#api.directoryInfo()
      pins = { verifierKey: info.verifierKey, vrfPublicKey: info.vrfPublicKey }
    }
    if (this.#trust.verifierKey && pins.verifierKey !== this.#trust.verifierKey) throw fail('the directory key differs from the configured one')
    const verifier = noteVerifierFromKey(pins.verifierKey)
    const vrf = fromBase64Url(pins.vrfPublicKey)
    if (!verifier || !vrf || vrf.length !== 32) throw fail('pinned directory keys are malformed')
    if (!stored) await this.#store.put(PINS, JSON.stringify(pins))
    this.#witnesses = (this.#trust.witnesses ?? []).map((vkey) => {
      const k = parseVerifierKey(vkey)
      const v = k ? cosignatureVerifier(k.name, k.publicKey) : null
      if (!v) throw new CandorError('bad_request', `not a cosignature verifier key: ${vkey}`)
      return v
    })
    this.#pins = { verifier, vrf }
    return this.#pins
  }

  /** Verifies a checkpoint note and records it as the newest seen; returns the checkpoint. */
  accept(note: string): Promise<Checkpoint> {
    return this.#lock.run(async () => {
      const { verifier } = await this.#loadPins()
      if (note === this.#lastNote && this.#last) return this.#last
      const opened = openCheckpoint(note, verifier.name, [verifier])
      if (!opened || !opened.verified.some((s) => s.name === verifier.name && s.keyId === verifier.keyId)) {
        throw fail('checkpoint is not signed by the directory key')
      }
      const need = this.#trust.requiredCosignatures ?? 0
      if (need > 0) {
        const cosigned = openCheckpoint(note, verifier.name, this.#witnesses)
        if (!cosigned || cosigned.verified.length < need) throw fail(`checkpoint lacks ${need} witness cosignatures`)
      }
      const cp = opened.checkpoint
      const last = this.#last ?? (await this.#loadLast())
      if (last) {
        if (cp.origin !== last.origin) throw fail('checkpoint origin changed')
        if (cp.size < last.size) throw fail(`the log rolled back from size ${last.size} to ${cp.size}`)
        if (cp.size === last.size && !bytesEqual(cp.rootHash, last.rootHash)) throw fail(`two different trees of size ${cp.size}: the log forked`)
        if (cp.size > last.size) {
          const { proof } = await this.#api.directoryConsistency(last.size, cp.size)
          const nodes = proof.map((p) => fromBase64Url(p) ?? new Uint8Array())
          if (!verifyConsistency(last.size, cp.size, last.rootHash, cp.rootHash, nodes)) {
            throw fail(`checkpoint of size ${cp.size} is not an extension of the one of size ${last.size} seen before: the log forked`)
          }
        }
      }
      if (!last || cp.size > last.size) {
        await this.#store.put(LAST, JSON.stringify({ origin: cp.origin, size: cp.size, root: toBase64Url(cp.rootHash) }))
      }
      this.#last = !last || cp.size >= last.size ? cp : last
      this.#lastNote = note
      return cp
    })
  }

  /** The largest checkpoint verified so far (what this device's messages carry as `seen`), if any. */
  async latest(): Promise<CheckpointRef | undefined> {
    // Not under the lock: a send must not wait for a lookup's network round trip.
    const last = this.#last ?? (await this.#loadLast())
    return last && { size: last.size, root: toBase64Url(last.rootHash) }
  }

  /** Accepts the server's current checkpoint (as lookups do) and returns it. */
  async refresh(): Promise<CheckpointRef> {
    const cp = await this.accept((await this.#api.directoryInfo()).checkpoint)
    return { size: cp.size, root: toBase64Url(cp.rootHash) }
  }

  /**
   * A checkpoint note signed by the pinned directory key, or null; nothing is recorded. For
   * checking a checkpoint someone else saw, which need not be cosigned as this device requires.
   */
  async openSigned(note: string): Promise<Checkpoint | null> {
    const { verifier } = await this.#loadPins()
    const opened = openCheckpoint(note, verifier.name, [verifier])
    return opened && opened.verified.some((s) => s.name === verifier.name && s.keyId === verifier.keyId) ? opened.checkpoint : null
  }

  async #loadLast(): Promise<Checkpoint | undefined> {
    const raw = await this.#store.get(LAST)
    if (!raw) return undefined
    const o = JSON.parse(raw) as { origin: string; size: number; root: string }
    return { origin: o.origin, size: o.size, rootHash: fromBase64Url(o.root)!, extensions: [] }
  }
}

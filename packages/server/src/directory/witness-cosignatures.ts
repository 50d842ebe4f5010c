// Witness cosignatures of the key directory's checkpoints. Anyone may post one (a witness is
// not a user), so a post is accepted only from a witness the operator configured (`candor
// serve --witness VKEY`), only when it verifies over the exact body of a checkpoint this
// directory signed, and only if it is that witness's newest; everything else is refused before
// anything is stored. Accepted ones live in the store, so every node serves them. A client
// that requires a witness rejects a whole checkpoint over one bad line from that witness's key,
// which is why nothing unverified may ever be served beside a checkpoint.
import { CandorError, utf8 } from '@candor/protocol'
import {
  SIG_TYPE_COSIGNATURE_V1,
  cosignatureTimestamp,
  cosignatureVerifier,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  type NoteSignature,
  type NoteVerifier,
} from '@candor/transparency'
import type { Store } from '@candor/ports'

/** What the directory knows about its own checkpoints. */
export interface SignedCheckpoints {
  origin: string
  /** The directory's own signature line's key ID (its lines in a post are skipped). */
  keyId: number
  /** The note this directory signed for the checkpoint of `size`, or null. */
  checkpointAt(size: number): string | null
}

export class WitnessCosignatures {
  readonly #store: Store
  readonly #witnesses: readonly NoteVerifier[]

  /** `vkeys`: the configured witnesses' C2SP verifier keys of type cosignature/v1. */
  constructor(store: Store, vkeys: readonly string[]) {
    this.#store = store
    this.#witnesses = vkeys.map((vkey) => {
      const k = parseVerifierKey(vkey)
      const v = k && k.type === SIG_TYPE_COSIGNATURE_V1 ? cosignatureVerifier(k.name, k.publicKey) : null
      if (!v) throw new CandorError('bad_request', `not a witness verifier key (C2SP cosignature/v1, as \`candor witness\` prints it): ${vkey}`)
      return v
    })
  }

  #witness(name: string, keyId: number): NoteVerifier | undefined {
    return this.#witnesses.find((w) => w.name === name && w.keyId === keyId)
  }

  /**
   * Checks and keeps the one witness cosignature a posted note carries (beside, optionally, the
   * directory's own signature). Throws a CandorError naming what is wrong otherwise.
   */
  async accept(note: string, ours: SignedCheckpoints): Promise<{ witness: string; size: number }> {
    const parsed = parseNote(note)
    if (!parsed) throw new CandorError('bad_request', 'note: not a C2SP signed note')
    const lines = parsed.signatures.filter((s) => !(s.name === ours.origin && s.keyId === ours.keyId))
    if (lines.length !== 1) throw new CandorError('bad_request', `note: a post carries exactly one witness cosignature, this one ${lines.length}`)
    const line = lines[0]!
    const witness = this.#witness(line.name, line.keyId)
    if (!witness) {
      throw new CandorError('forbidden', `${line.name} is not a witness this server accepts cosignatures from (its operator names witnesses with candor serve --witness VKEY)`)
    }
    const checkpoint = parseCheckpoint(parsed.text)
    const signed = checkpoint && checkpoint.origin === ours.origin ? ours.checkpointAt(checkpoint.size) : null
    if (!checkpoint || !signed || parseNote(signed)?.text !== parsed.text) {
      throw new CandorError('not_found', 'not a checkpoint this directory signed: the cosigned body must be one of its checkpoints, byte for byte')
    }
    const timestamp = cosignatureTimestamp(line)
    if (timestamp === null || !witness.verify(utf8(parsed.text), line.signature)) {
      throw new CandorError('bad_signature', `the cosignature of ${line.name} does not verify over this checkpoint`)
    }
    const kept = await this.#store.putCosignature({ witness: line.name, keyId: line.keyId, size: checkpoint.size, timestamp, signature: line.signature })
    if (kept === 'older') {
      throw new CandorError('conflict', `${line.name} already has a newer cosignature here (of a larger checkpoint, or later); it is kept`)
    }
    return { witness: line.name, size: checkpoint.size }
  }

  /** The configured witnesses' cosignatures of the checkpoint of `size`, as note signature lines. */
  async linesFor(size: number): Promise<NoteSignature[]> {
    if (this.#witnesses.length === 0) return []
    const rows = await this.#store.cosignaturesAt(size)
    // A witness the operator no longer names is no longer served.
    return rows.filter((r) => this.#witness(r.witness, r.keyId)).map((r) => ({ name: r.witness, keyId: r.keyId, signature: r.signature }))
  }
}

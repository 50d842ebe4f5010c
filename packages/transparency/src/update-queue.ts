// Updates waiting for the next epoch. Each update reserves its version at once (so versions of a
// label are contiguous whatever order the work finishes in), then needs one VRF evaluation, the
// dominant cost. `addMany` lets the caller supply that evaluation (e.g. a worker pool holding the
// same VRF key), and `take` hands publication only a prefix of reservations that are complete.
import { CandorError } from '@candor/protocol'
import { everyIndex, isBytes } from './bytes.ts'
import { commit, newOpening } from './commitment.ts'
import { encodeLabelVersion, labelBytes, MAX_VALUE_BYTES, searchKey } from './directory-encoding.ts'
import type { EntryRow } from './directory-storage.ts'
import { vrfProofToHash, VRF_OUTPUT_SIZE, type VrfSecretKey } from './ecvrf.ts'

/** Evaluates the directory's VRF (outputs, 64 bytes each) for VrfInput encodings, in order. */
export type VrfEvaluator = (alphas: readonly Uint8Array[]) => Promise<readonly Uint8Array[]>

export interface UpdateRequest {
  readonly label: string
  readonly value: Uint8Array
}

interface Reserved {
  readonly seq: number
  readonly label: string
  readonly lb: Uint8Array
  readonly value: Uint8Array
  readonly version: number
}

export class UpdateQueue {
  readonly #vrf: VrfSecretKey
  readonly #nextVersion: Map<string, number>
  readonly #cachedProof: (label: string, version: number) => Uint8Array | undefined
  readonly #inflight = new Set<Promise<void>>()
  #pending: { seq: number; row: EntryRow }[] = []
  #seq = 0

  constructor(
    vrf: VrfSecretKey,
    nextVersion: Map<string, number>,
    cachedProof: (label: string, version: number) => Uint8Array | undefined,
  ) {
    this.#vrf = vrf
    this.#nextVersion = nextVersion
    this.#cachedProof = cachedProof
  }

  /** Updates ready for publication (reservations still being evaluated are not counted). */
  get size(): number {
    return this.#pending.length
  }

  add(label: string, value: Uint8Array): number {
    const r = this.#reserve(validate(label, value))
    this.#complete(r, this.#evaluateLocally(r))
    return r.version
  }

  async addMany(items: readonly UpdateRequest[], evaluate?: VrfEvaluator): Promise<number[]> {
    if (!Array.isArray(items)) throw new CandorError('bad_request', 'updates must be a list')
    const valid = items.map((i) => validate(i?.label, i?.value))
    const reserved = valid.map((v) => this.#reserve(v))
    const work = this.#evaluate(reserved, evaluate)
    this.#inflight.add(work)
    try {
      await work
    } finally {
      this.#inflight.delete(work)
    }
    return reserved.map((r) => r.version)
  }

  /** The sequence number of the latest reservation, to pass to `take`. */
  get lastReservation(): number {
    return this.#seq
  }

  /**
   * Waits for the reservations up to `upTo` (default: all so far) and removes them, in version
   * order, from the queue. Per label these are a prefix of its versions, so none is skipped.
   */
  async take(upTo: number = this.#seq): Promise<EntryRow[]> {
    await Promise.all([...this.#inflight])
    const batch = this.#pending.filter((p) => p.seq <= upTo)
    this.#pending = this.#pending.filter((p) => p.seq > upTo)
    return batch.map((p) => p.row).sort((a, b) => a.version - b.version)
  }

  /** Erases value and opening of queued entries of `label`; returns how many. */
  async tombstone(label: string, version?: number): Promise<number> {
    await Promise.all([...this.#inflight])
    let count = 0
    this.#pending = this.#pending.map((p) => {
      const e = p.row
      if (e.label !== label || (version !== undefined && e.version !== version) || e.opening === null) return p
      count++
      return { seq: p.seq, row: { ...e, value: null, opening: null } }
    })
    return count
  }

  #reserve(v: { label: string; lb: Uint8Array; value: Uint8Array }): Reserved {
    const version = this.#nextVersion.get(v.label) ?? 1
    this.#nextVersion.set(v.label, version + 1)
    return { ...v, version, seq: ++this.#seq }
  }

  async #evaluate(reserved: readonly Reserved[], evaluate: VrfEvaluator | undefined): Promise<void> {
    let outputs: readonly Uint8Array[] | null = null
    if (evaluate !== undefined) {
      try {
        outputs = await evaluate(reserved.map((r) => encodeLabelVersion(r.lb, r.version)))
      } catch {
        outputs = null
      }
    }
    // A failed or malformed evaluation falls back to local work rather than leave a version gap.
    const ok = Array.isArray(outputs) && outputs.length === reserved.length && everyIndex(outputs, (o): o is Uint8Array => isBytes(o, VRF_OUTPUT_SIZE))
    reserved.forEach((r, i) => this.#complete(r, ok ? outputs![i]! : this.#evaluateLocally(r)))
  }

  #evaluateLocally(r: Reserved): Uint8Array {
    // A lookup has usually proved this version absent already; its cached proof gives the output.
    const cached = this.#cachedProof(r.label, r.version)
    return (cached && vrfProofToHash(cached)) ?? this.#vrf.hash(encodeLabelVersion(r.lb, r.version))
  }

  #complete(r: Reserved, vrfOutput: Uint8Array): void {
    const opening = newOpening()
    const row: EntryRow = {
      label: r.label,
      version: r.version,
      epoch: -1,
      searchKey: searchKey(vrfOutput),
      commitment: commit(opening, r.lb, r.version, r.value),
      value: r.value,
      opening,
    }
    this.#pending.push({ seq: r.seq, row })
  }
}

function validate(label: unknown, value: unknown): { label: string; lb: Uint8Array; value: Uint8Array } {
  const lb = labelBytes(label)
  if (lb === null) throw new CandorError('bad_request', 'label must be 1-255 bytes of UTF-8')
  if (!isBytes(value) || value.length > MAX_VALUE_BYTES) {
    throw new CandorError('bad_request', `value must be bytes, at most ${MAX_VALUE_BYTES}`)
  }
  return { label: label as string, lb, value: value.slice() }
}

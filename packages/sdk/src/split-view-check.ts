// One check of docs/protocol.md §2.3: is the checkpoint another device saw of a log (the key
// directory or the access log) part of the same history as this device's own view? A server
// that shows two people two different, self-consistent histories cannot pass it: no
// consistency proof exists between two trees that fork. Nothing here trusts the server: every
// answer it gives is verified, and one it cannot give is a failure.
import { CandorError, fromBase64Url, toBase64Url, type CheckpointRef } from '@candor/protocol'
import { EMPTY_ROOT, verifyConsistency } from '@candor/transparency'

export type LogName = 'directory' | 'accessLog'

/** What the check needs of one log, from this device's point of view. */
export interface LogView {
  readonly name: LogName
  /** This device's latest verified checkpoint, without asking the server; none before the first. */
  latest(): Promise<CheckpointRef | undefined>
  /**
   * The server's checkpoint of exactly `size`, its signature verified against the pinned key;
   * absent where the log serves no checkpoints by size (then the view is refreshed instead).
   */
  signedAt?(size: number): Promise<CheckpointRef>
  /** Brings this device's view up to the server's latest, verified to extend it; returns it. */
  refresh(): Promise<CheckpointRef>
  /** An RFC 9162 consistency proof between two sizes, as the server gives it. */
  consistency(from: number, to: number): Promise<Uint8Array[]>
}

export type CheckResult = { ok: true } | { ok: false; reason: string }

/**
 * Codes that mean "could not ask now", not "the server refused": the check is tried again
 * later. (A server error, `internal`, is retried too; only the caller decides when a server
 * that keeps failing counts as refusing.)
 */
const RETRYABLE = new Set<string>(['unavailable', 'rate_limited', 'backpressure', 'access_log_unavailable', 'internal'])

export function isRetryable(e: unknown): e is CandorError {
  return e instanceof CandorError && RETRYABLE.has(e.code)
}

function consistent(size1: number, size2: number, root1: string, root2: string, proof: Uint8Array[]): boolean {
  const r1 = fromBase64Url(root1)
  const r2 = fromBase64Url(root2)
  return r1 !== null && r2 !== null && verifyConsistency(size1, size2, r1, r2, proof)
}

const describe = (c: CheckpointRef) => `size ${c.size}`

/**
 * Compares `theirs` (from a message) with `mine` (this device's view of the same log).
 * Resolves to a verdict; rejects only with a retryable error (the caller tries again later).
 */
export async function checkPeerCheckpoint(view: LogView, mine: CheckpointRef, theirs: CheckpointRef): Promise<CheckResult> {
  try {
    return await compare(view, mine, theirs)
  } catch (e) {
    if (isRetryable(e)) throw e
    // A refusal (no such checkpoint, no proof) or a proof that does not verify: the server cannot show the two views are one.
    return { ok: false, reason: `the server could not prove the sender's ${describe(theirs)} consistent with this device's ${describe(mine)}: ${e instanceof Error ? e.message : String(e)}` }
  }
}

async function compare(view: LogView, mine: CheckpointRef, theirs: CheckpointRef): Promise<CheckResult> {
  if (theirs.size > mine.size) {
    if (view.signedAt) {
      const signed = await view.signedAt(theirs.size)
      if (signed.root !== theirs.root) return { ok: false, reason: `the server's signed checkpoint of ${describe(theirs)} has a different root from the one the sender saw` }
      if (mine.size === 0) return { ok: true }
      const proof = await view.consistency(mine.size, theirs.size)
      return consistent(mine.size, theirs.size, mine.root, theirs.root, proof)
        ? { ok: true }
        : { ok: false, reason: `the sender's ${describe(theirs)} does not extend this device's ${describe(mine)}: the log forked` }
    }
    mine = await view.refresh()
    if (theirs.size > mine.size) return { ok: false, reason: `the sender saw ${describe(theirs)} but the server's latest log here is of ${describe(mine)}` }
  }
  if (theirs.size === mine.size) {
    return theirs.root === mine.root ? { ok: true } : { ok: false, reason: `two different trees of ${describe(mine)}: the log forked` }
  }
  if (theirs.size === 0) return theirs.root === toBase64Url(EMPTY_ROOT) ? { ok: true } : { ok: false, reason: 'the sender saw an empty log with a root that is not the empty root' }
  const proof = await view.consistency(theirs.size, mine.size)
  return consistent(theirs.size, mine.size, theirs.root, mine.root, proof)
    ? { ok: true }
    : { ok: false, reason: `this device's ${describe(mine)} does not extend the sender's ${describe(theirs)}: the log forked` }
}

// Claiming the key packages of everyone a reset invites into the new group (docs/protocol.md
// §5.4), a few users at a time. A claim that fails for a reason that passes (the server
// overloaded or restarting, a rate limit, the key directory unreachable) is tried again with
// backoff — bounded in tries and in time, since the whole group waits for this device — before
// the user is left out; one that fails for good (no such user, a key the directory refutes) or
// a device without a key package leaves them out at once. Whoever is left out is named in the
// reset's announcement, so anyone can add them back.
import { isTransient } from './delivery-failure.ts'
import type { Claimed } from './group-changes.ts'

/** Key-package claims in flight at once. */
export const CLAIMS_AT_ONCE = 16
/** Tries per user before a transient failure leaves them out. */
export const CLAIM_TRIES = 6
/** The first wait after a transient failure; doubled per try (with jitter), capped. */
export const CLAIM_BACKOFF_MS = 100
const CLAIM_BACKOFF_MAX_MS = 2_000
/** No retry starts later than this after the claiming began. */
export const CLAIM_DEADLINE_MS = 12_000

export interface ClaimOptions {
  /** Claims (and proves) the key packages of these devices of one user. */
  claim(userId: string, deviceIds: string[]): Promise<Claimed[]>
  /** A user's claim failed for good, or for the last time. */
  failed(userId: string, error: unknown, tries: number): void
  tries?: number
  backoffMs?: number
  deadlineMs?: number
}

interface Pending {
  userId: string
  devices: string[]
  tries: number
  notBefore: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The key packages claimed for these devices (userId, deviceId pairs); whoever has none is not in it. */
export async function claimForReset(invite: ReadonlyArray<{ userId: string; deviceId: string }>, o: ClaimOptions): Promise<Claimed[]> {
  const tries = o.tries ?? CLAIM_TRIES
  const backoff = o.backoffMs ?? CLAIM_BACKOFF_MS
  const until = Date.now() + (o.deadlineMs ?? CLAIM_DEADLINE_MS)
  const byUser = new Map<string, string[]>()
  for (const l of invite) byUser.set(l.userId, [...(byUser.get(l.userId) ?? []), l.deviceId])
  // Retries go to the back of the queue, so a failing user does not hold a slot others could use.
  const queue: Pending[] = [...byUser.entries()].map(([userId, devices]) => ({ userId, devices, tries: 0, notBefore: 0 }))
  let inFlight = 0
  const claimed: Claimed[] = []
  const worker = async (): Promise<void> => {
    for (;;) {
      const next = queue.shift()
      if (!next) {
        // Another worker's claim may still fail and come back for a retry.
        if (inFlight === 0) return
        await sleep(Math.min(backoff, 50))
        continue
      }
      inFlight++
      try {
        const wait = next.notBefore - Date.now()
        if (wait > 0) await sleep(wait)
        next.tries++
        claimed.push(...(await o.claim(next.userId, next.devices)))
      } catch (error) {
        const delay = Math.min(CLAIM_BACKOFF_MAX_MS, backoff * 2 ** (next.tries - 1)) * (0.5 + Math.random() / 2)
        if (isTransient(error) && next.tries < tries && Date.now() + delay < until) queue.push({ ...next, notBefore: Date.now() + delay })
        else o.failed(next.userId, error, next.tries)
      } finally {
        inFlight--
      }
    }
  }
  await Promise.all(Array.from({ length: CLAIMS_AT_ONCE }, worker))
  return claimed
}

// What this device has seen of its organisation's audit trail (docs/protocol.md §4.8 "Members
// check consistency"): the largest checkpoint it accepted, per organisation, persisted. Every
// checkpoint a member's client is shown (with the policy, §4.9) must extend it — same size, same
// root; larger, with an RFC 9162 consistency proof from it; smaller (an older view), a prefix of
// it. Anything else means the server forked, rewrote or truncated the log: refused
// (`policy_invalid`), an `org_audit_fork` alert raised once, and the remembered checkpoint kept.
import { CandorError, bytesEqual, consistencyResponseSchema, fromBase64Url, toBase64Url } from '@candor/protocol'
import { verifyConsistency, type Checkpoint } from '@candor/transparency'
import type { LocalStore } from '../local-store.ts'
import { SerialLock } from '../serial-lock.ts'
import type { DataApi } from './data-api.ts'

const KEY = 'org-audit-checkpoint/'

export interface RememberedAuditCheckpoint {
  size: number
  /** Root hash, base64url. */
  root: string
}

export interface OrgAuditForkAlert {
  kind: 'org_audit_fork'
  org: string
  remembered: RememberedAuditCheckpoint
  served: RememberedAuditCheckpoint
}

const fail = (m: string) => new CandorError('policy_invalid', `the organisation's policy was refused: the organisation's audit trail was rewritten (${m})`)

export class OrgAuditMemory {
  readonly #api: DataApi
  readonly #store: LocalStore
  readonly #alert: (a: OrgAuditForkAlert) => void
  readonly #lock = new SerialLock()
  readonly #alerted = new Set<string>()

  constructor(api: DataApi, store: LocalStore, alert: (a: OrgAuditForkAlert) => void) {
    this.#api = api
    this.#store = store
    this.#alert = alert
  }

  async remembered(org: string): Promise<RememberedAuditCheckpoint | null> {
    const raw = await this.#store.get(KEY + org)
    return raw ? (JSON.parse(raw) as RememberedAuditCheckpoint) : null
  }

  /** Checks a checkpoint (already signature-checked) of `org`'s log against the one remembered; remembers it when larger. */
  check(org: string, cp: Checkpoint): Promise<void> {
    return this.#lock.run(async () => {
      const served = { size: cp.size, root: toBase64Url(cp.rootHash) }
      const last = await this.remembered(org)
      if (last) {
        const refuse = (why: string) => {
          const key = `${org}\n${last.size}:${last.root}\n${served.size}:${served.root}`
          if (!this.#alerted.has(key)) {
            this.#alerted.add(key)
            this.#alert({ kind: 'org_audit_fork', org, remembered: last, served })
          }
          return fail(why)
        }
        const lastRoot = fromBase64Url(last.root)!
        if (cp.size === last.size) {
          if (!bytesEqual(cp.rootHash, lastRoot)) throw refuse(`two different logs of ${cp.size} entries`)
          return
        }
        const [small, big] = cp.size > last.size ? [{ size: last.size, root: lastRoot }, { size: cp.size, root: cp.rootHash }] : [{ size: cp.size, root: cp.rootHash }, { size: last.size, root: lastRoot }]
        if (small.size > 0) {
          const proof = await this.#proof(small.size, big.size)
          if (!proof || !verifyConsistency(small.size, big.size, small.root, big.root, proof)) {
            throw refuse(cp.size > last.size ? `the log of ${cp.size} entries does not extend the one of ${last.size} this device saw` : `the log of ${cp.size} entries is not a prefix of the one of ${last.size} this device saw`)
          }
        }
        if (cp.size < last.size) return
      }
      await this.#store.put(KEY + org, JSON.stringify(served))
    })
  }

  /** The server's consistency proof, or null when it gives none (a refusal, a malformed answer). */
  async #proof(from: number, to: number): Promise<Uint8Array[] | null> {
    let r: { proof: string[] }
    try {
      r = await this.#api.call(consistencyResponseSchema, 'GET', `/v1/policy/consistency?from=${from}&to=${to}`)
    } catch (e) {
      // The server cannot prove the extension (e.g. its log is now shorter than what this device saw).
      if (e instanceof CandorError && e.code === 'bad_request') return null
      throw e
    }
    const nodes = r.proof.map((p) => fromBase64Url(p))
    return nodes.some((n) => n === null || n.length !== 32) ? null : (nodes as Uint8Array[])
  }
}

// Is the archive key an organisation's signed policy names one that k of n compliance officers
// hold? (docs/protocol.md §11.2, §11.7.) The policy's `archive.archiveKey` must be the archive key
// of a key record the ceremony published — signed by a device the key directory proves — for
// that organisation; otherwise whoever wrote the policy might hold the private half alone, and a
// member's device refuses the archive (it does not add it, and does not send where it is). Any
// published version counts (a fresh ceremony starts a new one while older records stay sealed to
// the old key); the answer is kept 30 s.
import { CandorError, type ArchiveKeyResponse } from '@candor/protocol'

const TTL_MS = 30_000
/** How many versions back a policy's key is looked for. */
const MAX_VERSIONS = 32

export type ArchiveKeyVerdict = { proven: true; version: number } | { proven: false; reason: string }

export class ArchiveKeyCheck {
  /** The organisation's published key record, latest or a version, its signature checked (ComplianceClient.archiveKey). */
  readonly #fetch: (org: string, version?: number) => Promise<ArchiveKeyResponse>
  readonly #cache = new Map<string, { at: number; verdict: Promise<ArchiveKeyVerdict> }>()

  constructor(fetch: (org: string, version?: number) => Promise<ArchiveKeyResponse>) {
    this.#fetch = fetch
  }

  check(org: string, archiveKey: string | null): Promise<ArchiveKeyVerdict> {
    if (archiveKey === null) return Promise.resolve({ proven: false, reason: `${org}'s policy names no archive key` })
    const k = `${org}\n${archiveKey}`
    const hit = this.#cache.get(k)
    if (hit && Date.now() - hit.at < TTL_MS) return hit.verdict
    const verdict = this.#look(org, archiveKey)
    this.#cache.set(k, { at: Date.now(), verdict })
    verdict.catch(() => this.#cache.delete(k))
    return verdict
  }

  async #look(org: string, archiveKey: string): Promise<ArchiveKeyVerdict> {
    let latest: ArchiveKeyResponse
    try {
      latest = await this.#fetch(org)
    } catch (e) {
      if (e instanceof CandorError && e.code === 'not_found') return { proven: false, reason: `${org} has published no archive key split among compliance officers` }
      throw e
    }
    if (latest.record.archiveKey === archiveKey) return { proven: true, version: latest.record.version }
    for (let v = latest.record.version - 1; v >= 1 && v >= latest.record.version - MAX_VERSIONS; v--) {
      const r = await this.#fetch(org, v).catch((e: unknown) => (e instanceof CandorError && e.code === 'not_found' ? null : Promise.reject(e)))
      if (r?.record.archiveKey === archiveKey) return { proven: true, version: v }
    }
    return { proven: false, reason: `the archive key in ${org}'s policy is not one its compliance officers' key ceremony published` }
  }
}

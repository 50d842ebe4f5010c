// The erasure notices the archive acts on (docs/protocol.md §11.12): at each sweep it asks the
// server for the organisation's `account.erase` audit entries from its cursor on, keeps the ones
// that verify against the access-log key its device pinned (`verifyErasures`), and remembers the
// erased people and the cursor in `erasures.json` (written synced, then renamed), so a restart
// neither misses a notice nor forgets a person whose held records are still to go. The people's
// ids stay there: a record of theirs that arrives later, or a hold released later, is deleted at
// the next sweep. Nothing else of them is kept (the audit trail has the same ids).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { AcceptedErasure, ErasurePage } from '@candor/compliance'
import { writeSynced } from './synced-file.ts'

const FILE = 'erasures.json'
/** Pages read at most per poll (each scans up to 10,000 audit entries). */
const PAGES_PER_POLL = 10

interface FeedState {
  v: 1
  from: number
  erased: AcceptedErasure[]
}

export interface ErasureFeedOptions {
  dir: string
  /** One verified page from `from` (ComplianceClient.erasures); throws when it cannot be read or its checkpoint is not the pinned key's. */
  page: (from: number) => Promise<ErasurePage>
  log: (line: string) => void
}

export class ErasureFeed {
  readonly #o: ErasureFeedOptions
  #state: FeedState = { v: 1, from: 0, erased: [] }

  constructor(o: ErasureFeedOptions) {
    this.#o = o
  }

  async load(): Promise<void> {
    const text = await readFile(join(this.#o.dir, FILE), 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)))
    if (text === null) return
    const s = JSON.parse(text) as FeedState
    if (s.v !== 1 || !Number.isSafeInteger(s.from) || s.from < 0 || !Array.isArray(s.erased)) throw new Error(`${FILE}: not the archive's erasure state`)
    this.#state = s
  }

  /** The people whose erasure the archive accepted. */
  erased(): ReadonlySet<string> {
    return new Set(this.#state.erased.map((e) => e.person))
  }

  /** Reads what is new; returns the erasures accepted by this call. */
  async poll(): Promise<AcceptedErasure[]> {
    const accepted: AcceptedErasure[] = []
    for (let i = 0; i < PAGES_PER_POLL; i++) {
      const from = this.#state.from
      const page = await this.#o.page(from)
      for (const r of page.refused) this.#o.log(`refused the erasure notice at audit index ${r.index}: ${r.reason}; nothing deleted for it`)
      const known = this.erased()
      const fresh = page.accepted.filter((a) => !known.has(a.person))
      if (page.next === from && fresh.length === 0) return accepted
      this.#state = { v: 1, from: page.next, erased: [...this.#state.erased, ...fresh] }
      await writeSynced(join(this.#o.dir, FILE), JSON.stringify(this.#state))
      for (const a of fresh) this.#o.log(`accepted the erasure of ${a.person} (audit index ${a.audit}): deleting what they sent, except what a legal hold keeps`)
      accepted.push(...fresh)
      if (page.end) return accepted
    }
    return accepted
  }
}

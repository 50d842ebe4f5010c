// Deletes group state nobody can need any more (docs/protocol.md §5.10), on a timer any node may
// run (a row deleted twice is a no-op): a group a reset replaced more than `supersededMs` ago
// loses its GroupInfo and its accepted-commit records (its members moved on; a member that did
// not is answered "reset it" and finds the new group, §5.4); a group nobody is in loses its
// commit records; a live group keeps the commit records of its last `keepEpochs` epochs (an
// older lost answer is settled by an external rejoin instead, §5.6). Each store call deletes at
// most `batch` GroupInfos and the records of at most `batch` groups; a run repeats it while it
// deletes anything, up to `maxBatches` calls.
import type { GroupStateSwept, Store } from '@candor/ports'
import type { Logger } from '../logger.ts'

export interface GroupStateSettings {
  /** How long a superseded group's GroupInfo and commit records stay after its reset. Default 30 days. */
  supersededMs: number
  /** Accepted-commit records kept per group: its last this many epochs. Default 256. */
  keepEpochs: number
  batch: number
  maxBatches: number
}

export const GROUP_STATE_DEFAULTS: GroupStateSettings = { supersededMs: 30 * 24 * 3600_000, keepEpochs: 256, batch: 500, maxBatches: 20 }

export class GroupStateSweep {
  readonly #store: Store
  readonly #log: Logger
  readonly settings: GroupStateSettings

  constructor(store: Store, log: Logger, settings: Partial<GroupStateSettings> = {}) {
    this.#store = store
    this.#log = log
    this.settings = { ...GROUP_STATE_DEFAULTS, ...settings }
  }

  async run(now = Date.now()): Promise<GroupStateSwept> {
    const { supersededMs, keepEpochs, batch, maxBatches } = this.settings
    const total: GroupStateSwept = { groupInfos: 0, commits: 0 }
    for (let i = 0; i < maxBatches; i++) {
      const r = await this.#store.sweepGroupState({ supersededBefore: now - supersededMs, keepEpochs, limit: batch })
      total.groupInfos += r.groupInfos
      total.commits += r.commits
      if (r.groupInfos + r.commits === 0) break
    }
    if (total.groupInfos + total.commits > 0) this.#log.info(total, 'group state sweep')
    return total
  }
}

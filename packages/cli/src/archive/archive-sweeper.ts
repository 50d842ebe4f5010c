// The archive's deletion sweep (docs/protocol.md §11.12): records whose disappearing timer ran
// out, that the organisation's archive retention outlived, or that an erased person sent (an
// erasure notice the archive verified: erasure-feed.ts), are deleted from the archive's
// store — their sealed file, their attachment files and their index line — unless an active
// legal hold covers them (`planSweep`, packages/compliance). Without the holds (the server did
// not answer) nothing is deleted. A deletion is journalled first (`sweep-pending.json`: the record
// ids, nothing else), the index is rewritten without their lines (temporary file, synced,
// renamed), the files are unlinked, the journal removed; a crash in between is finished at the
// next start. The clock is injectable (`now`) for tests of retention measured in days.
import { readFile, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeIndexLine, parseIndexLine, planSweep, type ArchiveIndexLine, type HoldInfo } from '@candor/compliance'
import { StoreLock } from './store-lock.ts'
import { writeSynced } from './synced-file.ts'

const JOURNAL = 'sweep-pending.json'

export interface SweepResult {
  deleted: number
  /** Of those, deleted because their sender was erased. */
  erased: number
  held: number
  /** Deleted, by conversation (ids of the records). */
  byConversation: Map<string, string[]>
}

export interface ArchiveSweeperOptions {
  dir: string
  lock: StoreLock
  /** The organisation's holds (active and released); throws when they cannot be read. */
  holds: () => Promise<readonly HoldInfo[]>
  /** The archive retention of the organisation's verified policy (days), null: none. */
  retentionDays: () => Promise<number | null>
  /** The people whose erasure the archive accepted (none: nobody's). */
  erased?: () => ReadonlySet<string>
  now?: () => number
}

export async function readIndex(dir: string): Promise<ArchiveIndexLine[]> {
  const text = await readFile(join(dir, 'index.jsonl'), 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '' : Promise.reject(e)))
  return text.split('\n').filter((l) => l !== '').map(parseIndexLine)
}

export class ArchiveSweeper {
  readonly #o: ArchiveSweeperOptions
  readonly #now: () => number

  constructor(o: ArchiveSweeperOptions) {
    this.#o = o
    this.#now = o.now ?? Date.now
  }

  /** Finishes a deletion a crash interrupted (the journal names it). */
  async recover(): Promise<number> {
    return this.#o.lock.run(async () => {
      const text = await readFile(join(this.#o.dir, JOURNAL), 'utf8').catch(() => null)
      if (text === null) return 0
      const ids = (JSON.parse(text) as { ids: string[] }).ids
      await this.#remove(new Set(ids), await readIndex(this.#o.dir))
      return ids.length
    })
  }

  /** Deletes what is due and not held; returns what it did. */
  async sweep(): Promise<SweepResult> {
    const result: SweepResult = { deleted: 0, erased: 0, held: 0, byConversation: new Map() }
    const now = this.#now()
    const retention = await this.#o.retentionDays()
    const erased = this.#o.erased?.() ?? new Set<string>()
    // Nothing due without holds: no need to ask for them.
    if (planSweep(await readIndex(this.#o.dir), [], now, retention, erased).delete.length === 0) return result
    // The holds first: when they cannot be read, nothing is deleted (the caller sees the error).
    const holds = await this.#o.holds()
    return this.#o.lock.run(async () => {
      const lines = await readIndex(this.#o.dir)
      const plan = planSweep(lines, holds, now, retention, erased)
      result.held = plan.held.length
      if (plan.delete.length === 0) return result
      const ids = new Set(plan.delete.map((d) => d.line.id))
      await writeSynced(join(this.#o.dir, JOURNAL), JSON.stringify({ ids: [...ids] }))
      await this.#remove(ids, lines)
      for (const d of plan.delete) result.byConversation.set(d.line.conversation, [...(result.byConversation.get(d.line.conversation) ?? []), d.line.id])
      result.deleted = ids.size
      result.erased = plan.delete.filter((d) => d.reason === 'erasure').length
      return result
    })
  }

  /** Under the lock: the index without the ids' lines, then their files, then the journal. */
  async #remove(ids: ReadonlySet<string>, lines: readonly ArchiveIndexLine[]): Promise<void> {
    const kept = lines.filter((l) => !ids.has(l.id))
    if (kept.length !== lines.length) await writeSynced(join(this.#o.dir, 'index.jsonl'), kept.map(encodeIndexLine).join(''))
    for (const id of ids) await rm(join(this.#o.dir, 'records', `${id}.car`), { force: true })
    const files = await readdir(join(this.#o.dir, 'attachments')).catch(() => [] as string[])
    for (const f of files) {
      const dash = f.lastIndexOf('-')
      if (dash > 0 && ids.has(f.slice(0, dash)) && f.endsWith('.caf')) await rm(join(this.#o.dir, 'attachments', f), { force: true })
    }
    await rm(join(this.#o.dir, JOURNAL), { force: true })
  }
}

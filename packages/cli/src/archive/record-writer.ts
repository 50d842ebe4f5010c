// Writes what the archive receives as sealed records (docs/protocol.md §11.4): one file per
// record, `records/<record id>.car`, sealed to the archive key (whose private half is not here),
// then one line of the append-only `index.jsonl` naming it and the SHA-256 of its bytes. The
// file is written and synced before its index line; a crash in between leaves a file without
// a line (`candor archive verify` lists it), never a line without its file. A record's attachment
// files (sealed copies of the files its message names, attachment-keeper.ts) are written before
// the record. The index line carries when the record's disappearing timer runs out; the deletion
// sweep (archive-sweeper.ts) takes the same lock, so a line is never appended to an index being
// rewritten.
import { mkdir, open, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeIndexLine, indexLineFor, newRecordId, sealArchiveRecord, type ArchiveRecord } from '@candor/compliance'
import { toBase64Url } from '@candor/protocol'
import type { ReceivedContent } from '@candor/sdk'
import { StoreLock } from './store-lock.ts'

/** What of a content the archive keeps (null: nothing — receipts, typing, profiles and the like). */
export function recordOf(e: ReceivedContent, receivedAt: number): ArchiveRecord | null {
  const c = e.content
  const base = {
    v: 1 as const,
    id: newRecordId(),
    conversation: e.groupId,
    sender: { user: e.sender.userId, device: e.sender.deviceId },
    epoch: e.epoch,
    sentAt: e.sentAt,
    receivedAt,
    seq: e.seq,
    messageId: e.messageId,
  }
  switch (c.type) {
    case 'text':
      return { ...base, kind: 'text', text: c.text, ...(c.attachments && c.attachments.length > 0 ? { attachments: c.attachments.map((a) => ({ ...a })) } : {}) }
    case 'edit':
      return { ...base, kind: 'edit', target: c.target, text: c.text }
    case 'delete':
      return { ...base, kind: 'delete', target: c.target }
    case 'reaction':
    case 'conversation':
    case 'timer':
    case 'leave':
    case 'members':
      return { ...base, kind: 'other', content: toBase64Url(e.plaintext) }
    default:
      return null
  }
}

export async function writeSynced(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  const f = await open(tmp, 'wx', 0o600)
  try {
    await f.writeFile(bytes)
    await f.sync()
  } finally {
    await f.close()
  }
  await rename(tmp, path)
}

export class RecordWriter {
  readonly #dir: string
  readonly #archiveKey: Uint8Array
  readonly lock: StoreLock
  #ready: Promise<void> | undefined
  written = 0

  constructor(dir: string, archivePublicKey: Uint8Array, lock = new StoreLock()) {
    this.#dir = dir
    this.#archiveKey = archivePublicKey
    this.lock = lock
  }

  /**
   * Seals what `e` holds (if the archive keeps it) with the index line saying when its timer
   * runs out (`expiresAt`, absent: no timer). `before(record)` runs first: where the record's
   * attachments are fetched and sealed.
   */
  async write(e: ReceivedContent, expiresAt?: number, before?: (r: ArchiveRecord) => Promise<void>): Promise<ArchiveRecord | null> {
    const record = recordOf(e, Date.now())
    if (!record) return null
    this.#ready ??= mkdir(join(this.#dir, 'records'), { recursive: true, mode: 0o700 }).then(() => undefined)
    await this.#ready
    await before?.(record)
    const sealed = await sealArchiveRecord(this.#archiveKey, record)
    await this.lock.run(async () => {
      await writeSynced(join(this.#dir, 'records', `${record.id}.car`), sealed)
      const index = await open(join(this.#dir, 'index.jsonl'), 'a', 0o600)
      try {
        await index.appendFile(encodeIndexLine(indexLineFor(record, sealed, expiresAt)))
        await index.sync()
      } finally {
        await index.close()
      }
    })
    this.written++
    return record
  }
}

/** Contents that disappear on members' devices under a timer (notices of timers, members and leaving do not). */
const UNDER_TIMER = new Set(['text', 'edit', 'delete', 'reaction', 'conversation'])

/**
 * When the record of `e` falls to the disappearing timer (docs/protocol.md §11.12), as on the
 * members' devices: the server's time of the message plus the shorter of the content's own
 * `timer` and the conversation's timer as this device knows it; undefined: no timer.
 */
export function expiresAtOf(e: ReceivedContent, conversationTimerMs: number | null): number | undefined {
  if (!UNDER_TIMER.has(e.content.type)) return undefined
  const own = (e.content as { timer?: number }).timer
  const theirs = typeof own === 'number' ? own * 1000 : null
  const ms = conversationTimerMs === null ? theirs : theirs === null ? conversationTimerMs : Math.min(conversationTimerMs, theirs)
  return ms === null ? undefined : e.sentAt + ms
}

// The archive keeps the files its messages name (docs/protocol.md §11.4 "Attachment files"): when
// it receives a message with attachments it downloads each one — as a recipient, its download
// counts as fetched (§2.4 Lifecycle), so the blob is not deleted before the archive has it —
// checks it against the message's SHA-256 (the SDK's download does) and seals it to the archive
// key chunk by chunk as it arrives (`ArchiveFileSealer`): the plaintext never touches the disk.
// The file is written under a temporary name, synced, then renamed to
// `attachments/<record id>-<index>.caf`; the record is written only after. A server that does not
// answer fails the delivery (retried later, nothing kept); a blob that is gone or is not the file
// the message names is left out with a warning, and the export says it is missing.
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ArchiveFileSealer, archiveFileName, type ArchiveRecord } from '@candor/compliance'
import { CandorError, type AttachmentRef } from '@candor/protocol'

export type Download = (ref: AttachmentRef, sink: (plain: Uint8Array) => Promise<void>) => Promise<void>

export class AttachmentKeeper {
  readonly #dir: string
  readonly #archiveKey: Uint8Array
  readonly #download: Download
  readonly #warn: (m: string) => void
  kept = 0

  constructor(dir: string, archivePublicKey: Uint8Array, download: Download, warn: (m: string) => void) {
    this.#dir = join(dir, 'attachments')
    this.#archiveKey = archivePublicKey
    this.#download = download
    this.#warn = warn
  }

  /** Fetches and seals every attachment of the record; rejects only when the server could not be reached. */
  async keep(record: ArchiveRecord): Promise<void> {
    const refs = record.attachments ?? []
    if (refs.length === 0) return
    await mkdir(this.#dir, { recursive: true, mode: 0o700 })
    for (const [i, ref] of refs.entries()) {
      try {
        await this.#keepOne(record.id, i, ref)
        this.kept++
      } catch (e) {
        if (e instanceof CandorError && (e.code === 'unavailable' || e.code === 'rate_limited')) throw e
        this.#warn(`attachment ${i} of record ${record.id} (conversation ${record.conversation}) not kept: ${(e as Error).message}`)
      }
    }
  }

  async #keepOne(recordId: string, index: number, ref: AttachmentRef): Promise<void> {
    const path = join(this.#dir, archiveFileName(recordId, index))
    const tmp = `${path}.${process.pid}.tmp`
    const f = await open(tmp, 'wx', 0o600)
    let ok = false
    try {
      const sealer = new ArchiveFileSealer(recordId, index)
      await f.write(await sealer.start(this.#archiveKey))
      await this.#download(ref, async (plain) => {
        for (const c of await sealer.push(plain)) await f.write(c)
      })
      for (const c of await sealer.finish()) await f.write(c)
      await f.sync()
      ok = true
    } finally {
      await f.close()
      if (!ok) await rm(tmp, { force: true })
    }
    await rename(tmp, path)
  }
}

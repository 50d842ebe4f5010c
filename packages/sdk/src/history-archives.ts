// History archives (docs/protocol.md §4.2): the conversations a device holds, sealed on the
// device to one key the key directory proves — a new device of the person's it approved (a
// transfer), or the person's recovery key (the backup) — and uploaded in pieces, with progress.
// Inside the seal the sending device signs the archive, so nobody who merely knows the
// recipient's public key (the operator included) can slip in a history of their own making: a
// reader opens only archives signed by a key the person's own directory history enrolled.
import {
  CandorError,
  deviceIdFromKey,
  fromBase64Url,
  fromUtf8,
  toBase64Url,
  utf8,
  type ArchiveInfo,
} from '@candor/protocol'
import { openArchive, sealArchive, signDetached, verifyDetached, type MlsSuite } from '@candor/crypto'
import type { ApiClient } from './api-client.ts'
import { BlobTransfer } from './blob-transfer.ts'
import type { Conversations } from './conversations.ts'
import type { MessageRecord } from './message-record.ts'
import type { DeviceDirectory } from './directory.ts'
import type { Identity } from './identity.ts'

/** Bytes per upload request (the server takes at most LIMITS.blobRequestBytes, 4 MiB). */
const PIECE_BYTES = 1024 * 1024

export interface HistoryProgress {
  stage: 'sealing' | 'uploading' | 'downloading' | 'importing' | 'done'
  /** Bytes so far of the sealed archive (uploading, downloading), else records. */
  done: number
  total: number
}
export type OnHistoryProgress = (p: HistoryProgress) => void

/** What an archive holds, as signed by the device that made it. */
interface ArchiveBody {
  v: 1
  userId: string
  from: string
  to: string
  createdAt: number
  /** Records sent before this were left out (ms), null: everything the device held. */
  since: number | null
  conversations: Array<{ id: string; members: string[]; records: MessageRecord[] }>
}

interface SignedArchive {
  v: 1
  body: string
  senderKey: string
  sig: string
}

export interface ImportedHistory {
  archives: number
  conversations: string[]
  messages: number
}

function contentStatement(userId: string, recipient: string, body: string): Uint8Array {
  return utf8(`candor/archive-content/v1\n${userId}\n${recipient}\n${body}`)
}

function record(v: unknown, conversation: string): MessageRecord | null {
  if (typeof v !== 'object' || v === null) return null
  const m = v as MessageRecord
  const ok =
    typeof m.id === 'string' &&
    typeof m.from === 'string' &&
    typeof m.fromDevice === 'string' &&
    typeof m.text === 'string' &&
    typeof m.sentAt === 'number' &&
    typeof m.receivedAt === 'number' &&
    (m.direction === 'in' || m.direction === 'out')
  return ok ? { ...m, conversation } : null
}

export interface HistoryArchivesDeps {
  api: ApiClient
  suite: MlsSuite
  identity: Identity
  conversations: Conversations
  directory: DeviceDirectory
  /** The conversations' members as this device knows them. */
  membersOf(conversation: string): Promise<string[]>
}

export class HistoryArchives {
  readonly #d: HistoryArchivesDeps
  readonly #bytes: BlobTransfer

  constructor(deps: HistoryArchivesDeps) {
    this.#d = deps
    this.#bytes = new BlobTransfer(deps.api, '/v1/archives')
  }

  /** The history this device holds, from `since` on (null: all of it), as one archive body for `to`. */
  async #body(to: string, since: number | null): Promise<ArchiveBody> {
    const { conversations, identity } = this.#d
    const ids = new Set<string>(conversations.list().map((c) => conversations.conversationOf(c.meta.id)))
    for (const id of await conversations.importedConversations()) ids.add(id)
    const out: ArchiveBody['conversations'] = []
    for (const id of [...ids].sort()) {
      const records = (await conversations.history(id)).filter((m) => since === null || m.sentAt >= since)
      if (records.length > 0) out.push({ id, members: await this.#d.membersOf(id), records })
    }
    return { v: 1, userId: identity.userId, from: identity.deviceId, to, createdAt: Date.now(), since, conversations: out }
  }

  /**
   * Seals the history to `recipientKey` (which the caller took from the key directory) and
   * uploads it for `recipient`: a device id, or `recovery` for the backup.
   */
  async send(recipient: string, recipientKey: Uint8Array, since: number | null, onProgress?: OnHistoryProgress): Promise<ArchiveInfo & { messages: number }> {
    const { api, suite, identity } = this.#d
    const body = await this.#body(recipient, since)
    const messages = body.conversations.reduce((n, c) => n + c.records.length, 0)
    onProgress?.({ stage: 'sealing', done: 0, total: messages })
    const text = JSON.stringify(body)
    const signed: SignedArchive = {
      v: 1,
      body: text,
      senderKey: toBase64Url(identity.publicKey),
      sig: toBase64Url(signDetached(identity.secretKey, contentStatement(identity.userId, recipient, text))),
    }
    const parties = { userId: identity.userId, sender: identity.deviceId, recipient }
    const sealed = await sealArchive(suite, recipientKey, parties, utf8(JSON.stringify(signed)))
    const created = await api.authedJson<ArchiveInfo>('POST', '/v1/archives', { recipient, size: sealed.length })
    let at = 0
    onProgress?.({ stage: 'uploading', done: 0, total: sealed.length })
    while (at < sealed.length) {
      at = await this.#bytes.put(created.archiveId, at, sealed.subarray(at, Math.min(sealed.length, at + PIECE_BYTES)))
      onProgress?.({ stage: 'uploading', done: at, total: sealed.length })
    }
    const done = await api.authedJson<ArchiveInfo>('POST', `/v1/archives/${created.archiveId}/complete`, {})
    onProgress?.({ stage: 'done', done: messages, total: messages })
    return { ...done, messages }
  }

  /** The complete archives this device may read: those sealed to it, and the person's backup. */
  async list(): Promise<ArchiveInfo[]> {
    return (await this.#d.api.authedJson<{ archives: ArchiveInfo[] }>('GET', '/v1/archives')).archives
  }

  async #download(a: ArchiveInfo, onProgress?: OnHistoryProgress): Promise<Uint8Array> {
    const out = new Uint8Array(a.size)
    let at = 0
    onProgress?.({ stage: 'downloading', done: 0, total: a.size })
    for await (const piece of this.#bytes.read(a.archiveId, 0)) {
      if (at + piece.length > a.size) throw new CandorError('internal', 'the archive is longer than the server said')
      out.set(piece, at)
      at += piece.length
      onProgress?.({ stage: 'downloading', done: at, total: a.size })
    }
    if (at !== a.size) throw new CandorError('unavailable', 'the archive download ended early; try again')
    return out
  }

  /**
   * Downloads an archive, opens it with `secretKey` (this device's, or the recovery key for the
   * backup), checks the sending device's signature against the keys the person's own directory
   * history enrolled, and adds its records to this device's history, marked transferred.
   */
  async import(a: ArchiveInfo, secretKey: Uint8Array, onProgress?: OnHistoryProgress): Promise<{ conversations: string[]; messages: number }> {
    const { identity, directory, conversations, suite } = this.#d
    const sealed = await this.#download(a, onProgress)
    const plain = await openArchive(suite, secretKey, { userId: identity.userId, sender: a.sender, recipient: a.recipient }, sealed)
    if (!plain) throw new CandorError('bad_signature', 'the archive does not open with this key (it was sealed to another, or changed)')
    let signed: SignedArchive
    let body: ArchiveBody
    try {
      signed = JSON.parse(fromUtf8(plain)) as SignedArchive
      body = JSON.parse(signed.body) as ArchiveBody
    } catch {
      throw new CandorError('bad_request', 'the archive is malformed')
    }
    const senderKey = fromBase64Url(signed.senderKey)
    const sig = fromBase64Url(signed.sig)
    if (!senderKey || !sig || deviceIdFromKey(senderKey) !== a.sender || !verifyDetached(senderKey, contentStatement(identity.userId, a.recipient, signed.body), sig)) {
      throw new CandorError('bad_signature', 'the archive is not signed by the device the server names')
    }
    if (!(await directory.enrolledOwnKeys(identity.userId)).has(signed.senderKey)) {
      throw new CandorError('bad_signature', 'the archive was signed by a key none of your devices enrolled')
    }
    if (body.v !== 1 || body.userId !== identity.userId || body.from !== a.sender || body.to !== a.recipient || !Array.isArray(body.conversations)) {
      throw new CandorError('bad_request', 'the archive is not one for this account and device')
    }
    const ids: string[] = []
    let messages = 0
    const total = body.conversations.reduce((n, c) => n + (Array.isArray(c.records) ? c.records.length : 0), 0)
    for (const c of body.conversations) {
      if (typeof c.id !== 'string' || !Array.isArray(c.records)) continue
      const records = c.records.map((r) => record(r, c.id)).filter((r): r is MessageRecord => r !== null)
      messages += await conversations.importHistory(c.id, records, Array.isArray(c.members) ? c.members.filter((m) => typeof m === 'string') : [])
      ids.push(c.id)
      onProgress?.({ stage: 'importing', done: messages, total })
    }
    onProgress?.({ stage: 'done', done: messages, total })
    return { conversations: ids, messages }
  }

  async delete(archiveId: string): Promise<void> {
    await this.#d.api.authedJson('DELETE', `/v1/archives/${archiveId}`)
  }
}

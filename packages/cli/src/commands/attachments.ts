// `candor send <conversation> --file PATH [text]` and `candor download <attachment-id> <dir>`
// (docs/protocol.md §8): files are encrypted here and read and written as streams, with a
// progress line on a terminal. A download is written under a temporary name and renamed only
// once every chunk was authenticated and the whole file's SHA-256 matched the message's.
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { basename, extname, join } from 'node:path'
import { CandorError, type AttachmentRef } from '@candor/protocol'
import type { CandorClient, MessageRecord, Progress } from '@candor/sdk'
import { connectedDevice, type GlobalFlags } from '../device-session.ts'
import { messageJson, printJson } from '../output.ts'
import { resolveConversation } from './messaging.ts'

const MEDIA_TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.mp4': 'video/mp4',
  '.mp3': 'audio/mpeg',
}

export function mediaTypeOf(path: string): string {
  return MEDIA_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'
}

/** A progress line on stderr when it is a terminal (nothing otherwise, so scripts' output stays clean). */
function progressBar(what: string): ((p: Progress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined
  let last = -1
  return (p) => {
    const pct = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100)
    if (pct === last) return
    last = pct
    const filled = Math.round(pct / 5)
    process.stderr.write(`\r${what} [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${pct}%${pct === 100 ? '\n' : ''}`)
  }
}

export async function sendFile(g: GlobalFlags, target: string, path: string, text: string): Promise<number> {
  let size: number
  try {
    const st = statSync(path)
    if (!st.isFile()) throw new Error('not a file')
    size = st.size
  } catch {
    throw new CandorError('bad_request', `cannot read the file ${path}`)
  }
  const client = await connectedDevice(g)
  try {
    const conversation = await resolveConversation(client, target)
    const name = basename(path)
    const onProgress = progressBar(`uploading ${name}`)
    const m = await client.sendFile(conversation, { name, type: mediaTypeOf(path), stream: createReadStream(path), size, text, ...(onProgress ? { onProgress } : {}) })
    const ref = m.attachments![0]!
    if (g.json) printJson(messageJson(m))
    else process.stdout.write(`sent ${name} (${ref.size} bytes) as ${m.id} to ${conversation}; attachment ${ref.blob}\n`)
  } finally {
    client.close()
  }
  return 0
}

/** The attachment this device holds with that id (or a unique prefix of at least 8 characters). */
export function findAttachment(messages: readonly MessageRecord[], id: string): AttachmentRef {
  if (id.length < 8) throw new CandorError('bad_request', 'an attachment id (or a prefix of at least 8 characters) is needed')
  const found = new Map<string, AttachmentRef>()
  for (const m of messages) for (const a of m.attachments ?? []) if (a.blob.startsWith(id)) found.set(a.blob, a)
  if (found.size === 0) throw new CandorError('not_found', `no attachment ${id} in this device's messages`)
  if (found.size > 1) throw new CandorError('bad_request', `${id} is the start of ${found.size} attachments' ids: give more of it`)
  return [...found.values()][0]!
}

/** A file name safe to create in the target folder: the sender chose it. */
export function safeFileName(name: string): string {
  const base = name.replace(/[/\\]/g, '_').replace(/^\.+/, '_')
  return base.length > 0 ? base : 'attachment'
}

function freeName(dir: string, name: string): string {
  if (!existsSync(join(dir, name))) return join(dir, name)
  const ext = extname(name)
  const stem = name.slice(0, name.length - ext.length)
  for (let i = 1; ; i++) {
    const p = join(dir, `${stem} (${i})${ext}`)
    if (!existsSync(p)) return p
  }
}

async function download(client: CandorClient, ref: AttachmentRef, dir: string): Promise<string> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CandorError('bad_request', `${dir} is not a folder`)
  const target = freeName(dir, safeFileName(ref.name))
  const temp = `${target}.candor-part`
  const out = createWriteStream(temp, { mode: 0o600 })
  const write = (b: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      out.write(b, (e) => (e ? reject(e) : resolve()))
    })
  try {
    const onProgress = progressBar(`downloading ${ref.name}`)
    await client.downloadAttachmentTo(ref, write, onProgress)
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())))
    await rename(temp, target)
    return target
  } catch (e) {
    out.destroy()
    await rm(temp, { force: true })
    throw e
  }
}

export async function downloadCommand(g: GlobalFlags, id: string, dir: string): Promise<number> {
  const client = await connectedDevice(g)
  try {
    const ref = findAttachment(await client.inbox(), id)
    const path = await download(client, ref, dir)
    if (g.json) printJson({ id: ref.blob, name: ref.name, size: ref.size, sha256: ref.sha256, mediaType: ref.mediaType, path })
    else process.stdout.write(`saved ${path} (${ref.size} bytes, SHA-256 checked)\n`)
  } finally {
    client.close()
  }
  return 0
}

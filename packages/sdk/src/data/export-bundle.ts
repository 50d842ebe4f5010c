// Builds the person's export on their own device (only it has the plaintext): account and
// device metadata, each conversation's decrypted history as JSON Lines, the key directory's
// history of their own entry with its proof, their access receipts with inclusion proofs,
// their consent records and what the server holds about them; then the SHA-256 manifest,
// signed with the device key.
import { signDetached } from '@candor/crypto'
import { utf8 } from '@candor/protocol'
import { BAGIT, BAGIT_TXT, BAG_INFO, MANIFEST, SIGNATURE, TAG_MANIFEST, manifestOf, signatureLine, type BagFile } from './bag.ts'

export interface ExportSource {
  userId: string
  deviceId: string
  publicKey: Uint8Array
  secretKey: Uint8Array
  server: string
  conversations: Array<{ id: string; status: string; members: string[]; epoch: number }>
  history(conversation: string): Promise<unknown[]>
  devices(): Promise<unknown>
  directory(): Promise<unknown>
  receipts(): Promise<unknown>
  consents(): Promise<unknown[]>
  serverHeld(): Promise<unknown>
}

export type ExportProgress = (done: number, total: number, step: string) => void

const json = (v: unknown): Uint8Array => utf8(`${JSON.stringify(v, null, 2)}\n`)
const jsonl = (rows: readonly unknown[]): Uint8Array => utf8(rows.map((r) => `${JSON.stringify(r)}\n`).join(''))

export async function buildExport(src: ExportSource, onProgress: ExportProgress = () => {}, now = Date.now()): Promise<BagFile[]> {
  const total = src.conversations.length + 6
  let done = 0
  const step = (what: string) => onProgress(++done, total, what)
  const data: BagFile[] = []
  data.push({ path: 'data/account.json', bytes: json({ userId: src.userId, exportedBy: src.deviceId, server: src.server, exportedAt: now, devices: await src.devices() }) })
  step('account and devices')
  data.push({ path: 'data/conversations/index.json', bytes: json(src.conversations) })
  for (const c of src.conversations) {
    data.push({ path: `data/conversations/${c.id}.jsonl`, bytes: jsonl(await src.history(c.id)) })
    step(`conversation ${c.id}`)
  }
  data.push({ path: 'data/key-directory.json', bytes: json(await src.directory()) })
  step('key directory history')
  data.push({ path: 'data/access-receipts.json', bytes: json(await src.receipts()) })
  step('access receipts')
  data.push({ path: 'data/consents.jsonl', bytes: jsonl(await src.consents()) })
  step('consents')
  data.push({ path: 'data/server-held.json', bytes: json(await src.serverHeld()) })
  step('server-held data')

  const manifest = utf8(await manifestOf(data))
  const tags: BagFile[] = [
    { path: BAGIT, bytes: utf8(BAGIT_TXT) },
    {
      path: BAG_INFO,
      bytes: utf8(
        [
          'Source-Organization: Candor',
          `Bagging-Date: ${new Date(now).toISOString().slice(0, 10)}`,
          `External-Identifier: ${src.userId}`,
          `Candor-Device: ${src.deviceId}`,
          `Payload-Oxum: ${data.reduce((n, f) => n + f.bytes.length, 0)}.${data.length}`,
          '',
        ].join('\n'),
      ),
    },
    { path: MANIFEST, bytes: manifest },
    { path: SIGNATURE, bytes: utf8(signatureLine(src.deviceId, src.publicKey, signDetached(src.secretKey, manifest))) },
  ]
  const tagManifest = { path: TAG_MANIFEST, bytes: utf8(await manifestOf(tags)) }
  step('manifest signed')
  return [...data, ...tags, tagManifest]
}

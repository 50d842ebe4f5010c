// `candor archive keys` and `candor compliance …` (docs/protocol.md §11.10): the key ceremony,
// case-scoped k-of-n unlocks, the eDiscovery export of one case (only the archive's records whose
// index line is in scope are ever decrypted), legal holds; and `candor verify-export` of an
// eDiscovery export. The archive private key exists only in this process's memory while a case
// is exported, and is wiped after.
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import {
  AUDIT_ENTRY,
  buildExport,
  archiveFileName,
  inScope,
  openArchiveFile,
  openArchiveRecord,
  parseIndexLine,
  sealedDigest,
  verifyEdiscoveryExport,
  type ArchiveRecord,
} from '@candor/compliance'
import { CandorError, fromBase64Url } from '@candor/protocol'
import type { CandorClient } from '@candor/sdk'
import { openDevice, type GlobalFlags } from '../device-session.ts'
import { readIndex } from '../archive/archive-sweeper.ts'
import { printJson } from '../output.ts'

export const COMPLIANCE_USAGE = `Compliance (docs/compliance.md; officers' commands run on an officer's own device):
  candor --home DIR archive keys --org ORG --k K [--file FILE]   the key ceremony: a fresh archive key (or FILE's, from
                                              \`archive keygen\`; delete FILE after) split k-of-n among the officers' devices
  candor --home DIR compliance key <org>      the published archive key, its signature checked
  candor --home DIR compliance request <org> --why CODE --case REF [--conversation G]… [--person U]…
               [--from DATE] [--to DATE] [--delay-until DATE]   file a case (its key stays on this device)
  candor --home DIR compliance requests <org>   the organisation's cases and their approvals
  candor --home DIR compliance approve <org> <id>   approve: this device re-seals its share to the case
  candor --home DIR compliance open <org> <id> --archive ARCHIVE-DIR --out DIR   once k approved: receipts go to
                                              everyone in scope, then the case is exported to DIR (EML, JSON Lines,
                                              signed manifest, audit entry)
  candor --home DIR compliance resplit <org> --why CODE --case REF | resplit <org> <id> --k K   an officer left:
                                              file a re-split; once k approved, split the same key among today's officers
  candor --home DIR compliance hold <org> <user|conversation> --case REF [--until DATE] [--delay-until DATE]
  candor --home DIR compliance release <org> <hold-id>
  candor --home DIR compliance holds [<org>]  the organisation's holds (officers), or those that apply to you
  candor verify-export <dir> [--log-key VKEY]   also checks an eDiscovery export: manifest signature, every
                                              hash, no file missing or added, the audit-trail entry and its proof`

export interface ComplianceFlags {
  why: string | undefined
  case: string | undefined
  conversation: string[]
  person: string[]
  from: string | undefined
  to: string | undefined
  until: string | undefined
  delayUntil: string | undefined
  archive: string | undefined
  out: string | undefined
  k: string | undefined
  org: string | undefined
  file: string | undefined
}

function date(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v)
  if (!Number.isSafeInteger(t)) throw new CandorError('bad_request', `${flag}: a date (ISO 8601) or ms since the epoch`)
  return t
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined || v === '') throw new CandorError('bad_request', `missing ${what}\n\n${COMPLIANCE_USAGE}`)
  return v
}

function kOf(f: ComplianceFlags): number {
  const k = Number(need(f.k, '--k K'))
  if (!Number.isInteger(k) || k < 1) throw new CandorError('bad_request', '--k: a whole number ≥ 1')
  return k
}

export async function archiveKeys(client: CandorClient, g: GlobalFlags, f: ComplianceFlags): Promise<number> {
  const org = need(f.org, '--org ORG')
  let record
  if (f.file) {
    const parsed = JSON.parse(await readFile(f.file, 'utf8')) as { archivePrivateKey?: string }
    const key = parsed.archivePrivateKey ? fromBase64Url(parsed.archivePrivateKey) : null
    if (!key || key.length !== 32) throw new CandorError('bad_request', `${f.file}: not an archive key file (archivePrivateKey)`)
    record = await client.compliance.splitExistingKey(org, kOf(f), key)
    key.fill(0)
  } else {
    record = await client.compliance.keyCeremony(org, kOf(f))
  }
  if (g.json) printJson(record)
  else {
    process.stdout.write(`archive key version ${record.version} of ${org}: ${record.k} of ${record.n} officer devices open it\n`)
    process.stdout.write(`archive key (for the policy's archive.archiveKey): ${record.archiveKey}\nexport key: ${record.exportKey}\n`)
    if (f.file) process.stdout.write(`now delete ${f.file}: its key is split and must not exist whole anywhere\n`)
  }
  return 0
}

export async function compliance(client: CandorClient, g: GlobalFlags, sub: string | undefined, args: string[], f: ComplianceFlags): Promise<number> {
  const c = client.compliance
  const org = () => need(args[0], '<org>')
  const out = (v: unknown, text: string) => (g.json ? printJson(v) : process.stdout.write(`${text}\n`))
  switch (sub) {
    case 'key': {
      const k = await c.archiveKey(org())
      out(k, `${org()}: archive key version ${k.record.version} (${k.record.k} of ${k.record.n}), ${k.record.archiveKey}, signed by ${k.signedBy.user} (checked)`)
      return 0
    }
    case 'request': {
      const from = date(f.from, '--from') ?? 0
      const to = date(f.to, '--to') ?? Date.now()
      const delayUntil = date(f.delayUntil, '--delay-until')
      const info = await c.requestUnlock(org(), {
        scope: { conversations: f.conversation, people: f.person, from, to },
        why: need(f.why, '--why CODE'),
        case: need(f.case, '--case REF'),
        ...(delayUntil !== undefined ? { delayUntil } : {}),
      })
      out(info, `requested: ${info.id} (${info.k} approvals open it)`)
      return 0
    }
    case 'requests': {
      const { unlocks } = await c.unlocks(org())
      if (g.json) printJson(unlocks)
      for (const u of unlocks) {
        const r = JSON.parse(u.request) as { case: string; why: string; purpose?: string }
        if (!g.json) process.stdout.write(`${u.id}  ${u.state}  ${r.purpose ?? 'case'} ${r.case} (${r.why})  ${u.approvedBy.length}/${u.k} approved  by ${u.requestedBy}\n`)
      }
      return 0
    }
    case 'approve': {
      const info = await c.approve(org(), need(args[1], '<id>'))
      out(info, `approved: ${info.id} (${info.approvedBy.length}/${info.k})`)
      return 0
    }
    case 'open':
      return open(client, g, org(), need(args[1], '<id>'), need(f.archive, '--archive ARCHIVE-DIR'), need(f.out, '--out DIR'))
    case 'resplit': {
      if (args[1] !== undefined) {
        const r = await c.resplit(org(), args[1], kOf(f))
        out(r, `re-split: archive key version ${r.version} of ${org()}, ${r.k} of ${r.n} officer devices; earlier shares are void`)
      } else {
        const info = await c.requestResplit(org(), { why: need(f.why, '--why CODE'), case: need(f.case, '--case REF') })
        out(info, `requested: ${info.id} (a re-split; ${info.k} approvals)`)
      }
      return 0
    }
    case 'hold': {
      const target = need(args[1], '<user|conversation>')
      const until = date(f.until, '--until')
      const delayUntil = date(f.delayUntil, '--delay-until')
      const h = await c.placeHold(org(), /^(user|conversation):/.test(target) ? target : target.includes('@') ? `user:${target}` : `conversation:${target}`, {
        case: need(f.case, '--case REF'),
        ...(until !== undefined ? { until } : {}),
        ...(delayUntil !== undefined ? { delayUntil } : {}),
      })
      out(h, `hold placed: ${h.id} on ${h.target} (case ${h.case})`)
      return 0
    }
    case 'release': {
      const h = await c.releaseHold(org(), need(args[1], '<hold-id>'))
      out(h, `hold released: ${h.id} on ${h.target}; the archive's deletion resumes`)
      return 0
    }
    case 'holds': {
      if (args[0] !== undefined) {
        const { holds } = await c.holds(args[0])
        if (g.json) printJson(holds)
        else for (const h of holds) process.stdout.write(`${h.id}  ${h.target}  case ${h.case}  since ${new Date(h.placedAt).toISOString()}${h.until ? `  until ${new Date(h.until).toISOString()}` : ''}\n`)
      } else {
        const { holds } = await c.myHolds()
        if (g.json) printJson(holds)
        else if (holds.length === 0) process.stdout.write('no legal hold applies to you\n')
        else for (const h of holds) process.stdout.write(`a legal hold applies to ${h.target.startsWith('user:') ? 'you' : `this conversation (${h.target.slice('conversation:'.length)})`}: case ${h.case}${h.until ? `, until ${new Date(h.until).toISOString()}` : ''}\n`)
      }
      return 0
    }
    default:
      throw new CandorError('bad_request', COMPLIANCE_USAGE)
  }
}

/** Opens a case (k approvals; receipts first, at the server) and writes its eDiscovery export. */
async function open(client: CandorClient, g: GlobalFlags, org: string, id: string, archiveDir: string, outDir: string): Promise<number> {
  const lines = (await readFile(join(archiveDir, 'index.jsonl'), 'utf8')).split('\n').filter((l) => l.length > 0).map(parseIndexLine)
  if ((await readdir(outDir).catch(() => [])).length > 0) throw new CandorError('conflict', `${outDir} is not empty`)
  const opened = await client.compliance.open(org, id)
  const { scope } = opened.request
  try {
    // Only records whose index line is in scope are decrypted: conversation or sender, and the receive time.
    const records: ArchiveRecord[] = []
    const files = new Map<string, Uint8Array>()
    for (const l of lines) {
      if (!(scope.conversations.includes(l.conversation) || scope.people.includes(l.sender.user))) continue
      const bytes = await readFile(join(archiveDir, 'records', `${l.id}.car`)).then((b) => new Uint8Array(b), (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)))
      if (bytes === null) {
        // Deleted by the archive's sweep since the index was read (its line is gone too): not in the export.
        if (!(await readIndex(archiveDir)).some((x) => x.id === l.id)) continue
        throw new CandorError('conflict', `records/${l.id}.car is missing but still in the index: the archive store was altered`)
      }
      if (sealedDigest(bytes) !== l.sha256) throw new CandorError('conflict', `records/${l.id}.car does not match its index line: the archive store was altered`)
      const r = await openArchiveRecord(opened.archivePrivateKey, bytes, l.id)
      if (!inScope(scope, r)) continue
      records.push(r)
      // Its attachments, as the archive kept them (docs/protocol.md §11.4 "Attachment files"): opened and checked against the message's SHA-256.
      for (const [i, ref] of (r.attachments ?? []).entries()) {
        const sealed = await readFile(join(archiveDir, 'attachments', archiveFileName(r.id, i))).then((b) => new Uint8Array(b), () => null)
        if (sealed === null) continue
        try {
          files.set(`${r.id}/${i}`, await openArchiveFile(opened.archivePrivateKey, sealed, r.id, i, ref))
        } catch (e) {
          throw new CandorError('conflict', `attachments/${archiveFileName(r.id, i)}: ${(e as Error).message}: the archive store was altered`)
        }
      }
    }
    const built = buildExport({
      archivePrivateKey: opened.archivePrivateKey, org, request: id, case: opened.request.case, why: opened.request.why, scope,
      keyVersion: opened.record.version, records, createdAt: Date.now(),
      attachmentBytes: (r, i) => files.get(`${r.id}/${i}`) ?? null,
    })
    const logged = await client.compliance.logExport(org, id, { signature: built.signature, manifestSha256: built.manifestSha256, exportKey: built.manifest.exportKey })
    built.files.set(AUDIT_ENTRY, new TextEncoder().encode(`${JSON.stringify(logged, null, 2)}\n`))
    for (const [path, bytes] of built.files) {
      await mkdir(dirname(join(outDir, path)), { recursive: true })
      await writeFile(join(outDir, path), bytes, { mode: 0o600 })
    }
    const named = records.reduce((n, r) => n + (r.attachments?.length ?? 0), 0)
    const summary = { request: id, records: records.length, attachments: files.size, attachmentsMissing: named - files.size, receipts: opened.receipts, files: built.manifest.files.length, auditIndex: logged.index }
    g.json
      ? printJson(summary)
      : process.stdout.write(`opened ${id}: ${opened.receipts} people in scope were sent a receipt first; exported ${records.length} records and ${files.size} attachments${named > files.size ? ` (${named - files.size} not kept by the archive)` : ''} to ${outDir} (manifest signed, audit entry ${logged.index})\n`)
    return 0
  } catch (e) {
    await rm(outDir, { recursive: true, force: true }).catch(() => undefined)
    throw e
  } finally {
    opened.archivePrivateKey.fill(0)
  }
}

async function readTree(root: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>()
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const full = join(entry.parentPath, entry.name)
    out.set(relative(root, full).split(sep).join('/'), new Uint8Array(await readFile(full)))
  }
  return out
}

/** Whether the folder is an eDiscovery export (its manifest says so), for `candor verify-export`. */
export async function isEdiscoveryExport(dir: string): Promise<boolean> {
  try {
    return (JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { kind?: unknown }).kind === 'candor-ediscovery-export'
  } catch {
    return false
  }
}

export async function verifyEdiscoveryDir(g: GlobalFlags, dir: string, logKey: string | undefined): Promise<number> {
  const files = await readTree(dir)
  try {
    const v = verifyEdiscoveryExport(files, logKey !== undefined ? { logKey } : {})
    if (g.json) printJson({ ok: true, ...v })
    else process.stdout.write(`ok: eDiscovery export of ${v.manifest.org}, case ${v.manifest.case}: ${v.files} files match the manifest, signed by export key ${v.manifest.exportKey}, logged at audit entry ${v.auditIndex}, ${v.attachments.included} attachments match their messages' SHA-256${v.attachments.missing > 0 ? ` (${v.attachments.missing} not kept by the archive)` : ''}${v.pinned ? ' (checkpoint signed by the pinned log key)' : ' (log key not pinned: pass --log-key)'}\n`)
    return 0
  } catch (e) {
    process.stderr.write(`FAIL ${(e as Error).message}\n`)
    return 1
  }
}

/** Runs `fn` with this folder's device, closed after. */
export async function withDevice(g: GlobalFlags, fn: (c: CandorClient) => Promise<number>): Promise<number> {
  const client = await openDevice(g)
  try {
    return await fn(client)
  } finally {
    client.close()
  }
}

/** The command line's flags this file reads. */
export function complianceFlags(values: Record<string, unknown>): ComplianceFlags {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined)
  const list = (k: string) => (Array.isArray(values[k]) ? (values[k] as unknown[]).filter((x): x is string => typeof x === 'string') : [])
  return {
    why: str('why'), case: str('case'), conversation: list('conversation'), person: list('person'), from: str('from'), to: str('to'), until: str('until'),
    delayUntil: str('delay-until'), archive: str('archive'), out: str('out'), k: str('k'), org: str('org'), file: str('file'),
  }
}

// Opening the compliance archive, k of n, through a real server and real SDK clients: three
// officers of acme split the archive key 2-of-3 (each share sealed to a directory-proven device
// key); erin and frank talk; records of their conversation are sealed to the archive key as the
// archive writes them. One approval (k − 1) opens nothing; two do, but only after erin and frank
// each got an access receipt; the export of the case verifies against the pinned access-log key;
// the audit trail holds every step. Attackers: a non-officer admin, an officer of another
// organisation, a stranger, a revoked officer device, a second approval by the same officer, a
// forged approval. An officer leaving re-splits the key: the old version's request cannot open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { newMessageId, type UserId } from '@candor/protocol'
import {
  buildExport,
  inScope,
  newRecordId,
  openArchiveRecord,
  sealArchiveRecord,
  verifyEdiscoveryExport,
  AUDIT_ENTRY,
  type ArchiveRecord,
} from '@candor/compliance'
import type { CandorClient } from '../src/index.ts'
import { acquaint, code, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let olga: CandorClient, omar: CandorClient, oona: CandorClient, erin: CandorClient, frank: CandorClient, owen: CandorClient
let gus: CandorClient, stranger: CandorClient
let conversation = ''
const sealed = new Map<string, Uint8Array>()
const receiptsOf = async (u: string) => (await o.env.server.context.store.accessLeavesOf(u as UserId, Number.MAX_SAFE_INTEGER)).length

beforeAll(async () => {
  o = await startOrgEnv()
  const people = await Promise.all(['olga', 'omar', 'oona', 'erin', 'frank', 'owen'].map((n) => o.person(`${n}@acme.example`, 'acme')))
  ;[olga, omar, oona, erin, frank, owen] = people as [CandorClient, CandorClient, CandorClient, CandorClient, CandorClient, CandorClient]
  for (const u of ['olga', 'omar', 'oona']) await o.root.admin.grant(`${u}@acme.example`, 'compliance_officer')
  await o.root.admin.grant('owen@acme.example', 'owner')
  gus = await o.person('gus@globex.example', 'globex')
  await o.root.admin.grant('gus@globex.example', 'compliance_officer')
  stranger = await o.env.user('stranger')
  await Promise.all([erin.connect(), frank.connect()])
  await acquaint(erin, frank)
  conversation = await erin.createConversation([frank.userId])
}, 180_000)
afterAll(async () => o.close())

describe('k-of-n unlock of the compliance archive', () => {
  let requestId = ''

  it('the key ceremony splits the archive key 2-of-3 among the officers’ devices; the key is published, signed', async () => {
    const record = await olga.compliance.keyCeremony('acme', 2)
    expect(record).toMatchObject({ org: 'acme', version: 1, k: 2, n: 3 })
    expect(record.officers.map((x) => x.user).sort()).toEqual(['olga@acme.example', 'omar@acme.example', 'oona@acme.example'])
    // Any person of acme reads it (its archive seals to it), checked against the signer's proven key.
    expect((await erin.compliance.archiveKey('acme')).record.archiveKey).toBe(record.archiveKey)
    expect(await code(stranger.compliance.archiveKey('acme'))).toBe('not_found')
    // k = 1 with three officers is refused (one officer alone would open the archive).
    expect(await code(olga.compliance.keyCeremony('acme', 1))).toBe('bad_request')
    // The archive seals what it keeps to the published key (as `candor archive run` does).
    const archiveKey = Buffer.from(record.archiveKey, 'base64url')
    const base = { v: 1, kind: 'text', conversation, epoch: 1, seq: 1 } as const
    const recs: ArchiveRecord[] = [
      { ...base, id: newRecordId(), sender: { user: erin.userId, device: erin.deviceId }, sentAt: Date.now() - 2000, receivedAt: Date.now() - 1999, messageId: newMessageId(), text: 'the merger closes friday' },
      { ...base, id: newRecordId(), sender: { user: frank.userId, device: frank.deviceId }, sentAt: Date.now() - 1000, receivedAt: Date.now() - 999, messageId: newMessageId(), text: 'keep it quiet' },
    ]
    for (const r of recs) sealed.set(r.id, await sealArchiveRecord(new Uint8Array(archiveKey), r))
  })

  it('only officers of acme may file a case; the request names the latest key version', async () => {
    const scope = { conversations: [conversation], people: [], from: 0, to: Date.now() + 60_000 }
    const c = { scope, why: 'legal_obligation', case: 'SEC-2026-17' }
    expect(await code(owen.compliance.requestUnlock('acme', c))).toBe('forbidden')
    expect(await code(gus.compliance.requestUnlock('acme', c))).toBe('not_found')
    expect(await code(stranger.compliance.requestUnlock('acme', c))).toBe('forbidden')
    expect(await code(olga.compliance.requestUnlock('acme', { ...c, scope: { ...scope, conversations: [] } }))).toBe('bad_request')
    const info = await olga.compliance.requestUnlock('acme', c)
    requestId = info.id
    expect(info).toMatchObject({ state: 'pending', k: 2, approvedBy: [] })
    expect(JSON.parse(info.request)).toMatchObject({ keyVersion: 1, case: 'SEC-2026-17', requestedBy: 'olga@acme.example' })
  })

  it('k − 1 approvals open nothing: the server releases no share and nobody gets a receipt', async () => {
    await olga.compliance.approve('acme', requestId)
    expect(await code(olga.compliance.approve('acme', requestId))).toBe('conflict')
    const before = [await receiptsOf(erin.userId), await receiptsOf(frank.userId)]
    const refused = olga.compliance.open('acme', requestId)
    await expect(refused).rejects.toThrow(/1 of the k = 2 officers' approvals needed/)
    expect([await receiptsOf(erin.userId), await receiptsOf(frank.userId)]).toEqual(before)
    expect((await olga.compliance.unlock('acme', requestId)).state).toBe('pending')
  })

  it('no one but the officers of acme may approve or open; an approval must be the device’s own', async () => {
    expect(await code(owen.compliance.approve('acme', requestId))).toBe('forbidden')
    expect(await code(gus.compliance.approve('acme', requestId))).toBe('not_found')
    expect(await code(erin.compliance.approve('acme', requestId))).toBe('forbidden')
    // omar may approve but not open: the request's key is on olga's device only.
    expect(await code(omar.compliance.open('acme', requestId))).toBe('forbidden')
  })

  it('k approvals: receipts to everyone in scope first, then olga combines the shares and exports the case; the export verifies', async () => {
    await omar.compliance.approve('acme', requestId)
    const opened = await olga.compliance.open('acme', requestId)
    expect(opened.receipts).toBe(2)
    for (const c of [erin, frank]) {
      const mine = (await c.accessReceipts()).map((r) => r.receipt!).filter((r) => r.what.categories.includes('archived_messages'))
      expect(mine).toHaveLength(1)
      expect(mine[0]).toMatchObject({ accessor: { role: 'compliance_officer', org: 'acme' }, why: { code: 'legal_obligation', caseRef: 'SEC-2026-17' }, notice: { notified: true } })
      expect(mine[0]!.what.resources).toContain(`unlock:${requestId}`)
    }
    const records = await Promise.all([...sealed].map(([id, bytes]) => openArchiveRecord(opened.archivePrivateKey, bytes, id)))
    expect(records.map((r) => r.text).sort()).toEqual(['keep it quiet', 'the merger closes friday'])
    const built = buildExport({
      archivePrivateKey: opened.archivePrivateKey, org: 'acme', request: requestId, case: opened.request.case, why: opened.request.why,
      scope: opened.request.scope, keyVersion: opened.record.version, records: records.filter((r) => inScope(opened.request.scope, r)), createdAt: Date.now(),
    })
    opened.archivePrivateKey.fill(0)
    const logged = await olga.compliance.logExport('acme', requestId, { signature: built.signature, manifestSha256: built.manifestSha256, exportKey: built.manifest.exportKey })
    built.files.set(AUDIT_ENTRY, new TextEncoder().encode(JSON.stringify(logged)))
    const logKey = o.env.server.context.access.log.verifierKey
    expect(verifyEdiscoveryExport(built.files, { logKey })).toMatchObject({ files: 3, pinned: true })
    // Opening twice is refused: one case, one opening.
    expect(await code(olga.compliance.open('acme', requestId))).toBe('forbidden')
  })

  it('the audit trail has every step, and no share, key or text of a message', async () => {
    const trail = await owen.admin.audit('acme')
    const steps = trail.entries.map((e) => [e.entry.action, e.entry.actor.id]).filter(([a]) => a!.startsWith('compliance.'))
    expect(steps).toEqual([
      ['compliance.keys', 'olga@acme.example'],
      ['compliance.request', 'olga@acme.example'],
      ['compliance.approve', 'olga@acme.example'],
      ['compliance.approve', 'omar@acme.example'],
      ['compliance.open', 'olga@acme.example'],
      ['compliance.export', 'olga@acme.example'],
    ])
    const text = trail.entries.map((e) => e.text).join('\n')
    expect(text).not.toMatch(/merger|keep it quiet/)
  })

  it('an officer leaving re-splits the key: k of them recover it and split it among those who stay; the old shares are void', async () => {
    const pending = await olga.compliance.requestUnlock('acme', { scope: { conversations: [conversation], people: [], from: 0, to: Date.now() }, why: 'legal_obligation', case: 'SEC-2' })
    const oonaShare = await o.env.server.context.store.compliance().officerShares('acme' as never, 1)
    expect(oonaShare.map((x) => x.user)).toContain('oona@acme.example')
    await o.root.admin.revoke('oona@acme.example', { why: 'support_request', case: 'HR-1' })
    const rs = await olga.compliance.requestResplit('acme', { why: 'legal_obligation', case: 'ROTATE-1' })
    await olga.compliance.approve('acme', rs.id)
    await omar.compliance.approve('acme', rs.id)
    const before = [await receiptsOf(erin.userId), await receiptsOf(frank.userId)]
    const v2 = await olga.compliance.resplit('acme', rs.id, 2)
    expect(v2).toMatchObject({ version: 2, n: 2, k: 2 })
    expect(v2.archiveKey).toBe((await erin.compliance.archiveKey('acme', 1)).record.archiveKey)
    expect(v2.officers.map((x) => x.user).sort()).toEqual(['olga@acme.example', 'omar@acme.example'])
    // A re-split reads no one's messages: no receipt.
    expect([await receiptsOf(erin.userId), await receiptsOf(frank.userId)]).toEqual(before)
    // Version 1's shares are gone from the server: the case filed under it can no longer be approved, by anyone.
    expect(await o.env.server.context.store.compliance().officerShares('acme' as never, 1)).toEqual([])
    expect(await code(oona.compliance.approve('acme', pending.id))).toBe('forbidden')
    expect(await code(omar.compliance.approve('acme', pending.id))).toBe('not_found')
    // A new case under version 2 opens with the two who stay.
    const next = await olga.compliance.requestUnlock('acme', { scope: { conversations: [conversation], people: [], from: 0, to: Date.now() }, why: 'legal_obligation', case: 'SEC-3' })
    await olga.compliance.approve('acme', next.id)
    await omar.compliance.approve('acme', next.id)
    const opened = await olga.compliance.open('acme', next.id)
    const [id, bytes] = [...sealed][0]!
    expect((await openArchiveRecord(opened.archivePrivateKey, bytes, id)).conversation).toBe(conversation)
  })
})

describe('legal hold', () => {
  let holdId = ''

  it('an officer places a hold on a conversation: each person in it gets a receipt and sees that a hold applies', async () => {
    const before = await receiptsOf(frank.userId)
    expect(await code(owen.compliance.placeHold('acme', `conversation:${conversation}`, { case: 'LH-7' }))).toBe('forbidden')
    expect(await code(gus.compliance.placeHold('acme', `conversation:${conversation}`, { case: 'LH-7' }))).toBe('not_found')
    const h = await olga.compliance.placeHold('acme', `conversation:${conversation}`, { case: 'LH-7', until: Date.now() + 86_400_000 })
    holdId = h.id
    expect(await receiptsOf(frank.userId)).toBe(before + 1)
    expect(await erin.compliance.holdsOnConversation(conversation)).toEqual([expect.objectContaining({ target: `conversation:${conversation}`, case: 'LH-7' })])
    expect((await stranger.compliance.myHolds()).holds).toEqual([])
    expect((await olga.compliance.holds('acme')).holds.map((x) => x.id)).toEqual([holdId])
  })

  it('a delayed hold is not shown to the person before its notice date', async () => {
    const later = await olga.compliance.placeHold('acme', `user:${frank.userId}`, { case: 'LH-8', delayUntil: Date.now() + 3_600_000 })
    expect((await frank.compliance.myHolds()).holds.map((x) => x.case)).toEqual(['LH-7'])
    await olga.compliance.releaseHold('acme', later.id)
  })

  it('erasure under hold: the deletion receipt says what the archive keeps, under which case, until when', async () => {
    const receipt = await frank.deleteAccount()
    expect(receipt.text).toMatch(new RegExp(`\\nheld-in-archive conversation:${conversation} org acme case LH-7 until \\d+ hold ${holdId}\\n`))
  })

  it('releasing the hold: nobody sees it any more; it is no longer active for the archive', async () => {
    await olga.compliance.releaseHold('acme', holdId)
    expect(await code(olga.compliance.releaseHold('acme', holdId))).toBe('conflict')
    expect(await erin.compliance.holdsOnConversation(conversation)).toEqual([])
    expect((await olga.compliance.holds('acme')).holds).toEqual([])
    expect((await olga.compliance.holds('acme', true)).holds.map((x) => x.releasedAt !== null)).toEqual([true, true])
  })
})


describe('a server that lies about an officer’s key', () => {
  it('is caught by the ceremony: shares are sealed only to keys the key directory proves; nothing is stored', async () => {
    const file = join(o.env.dataDir, 'candor.db')
    const insider = (sql: string, ...params: unknown[]) => {
      const db = new Database(file, { fileMustExist: true })
      try {
        db.pragma('busy_timeout = 5000')
        return db.prepare(sql).run(...params).changes
      } finally {
        db.close()
      }
    }
    const real = (await o.env.server.context.store.getDevice(omar.deviceId as never))!.publicKey
    const before = (await o.env.server.context.store.compliance().archiveKey('acme' as never, null))!.version
    // The operator swaps omar's device key in its database: GET …/officers now names its own key.
    expect(insider('UPDATE devices SET public_key = ? WHERE device_id = ?', Buffer.from(randomBytes(32)), omar.deviceId)).toBe(1)
    try {
      await expect(olga.compliance.keyCeremony('acme', 2)).rejects.toThrow(/is not the one the key directory proves/)
      expect((await o.env.server.context.store.compliance().archiveKey('acme' as never, null))!.version).toBe(before)
    } finally {
      insider('UPDATE devices SET public_key = ? WHERE device_id = ?', Buffer.from(real), omar.deviceId)
    }
  })
})

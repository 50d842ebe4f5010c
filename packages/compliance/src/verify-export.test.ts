// An eDiscovery export verifies end to end (manifest signature, every hash, the audit-trail entry
// proven in a signed log), and each kind of tampering fails with its own clear message.
import { describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { fromUtf8, orgAuditOrigin, toBase64Url, utf8 } from '@candor/protocol'
import { MerkleLog, SIG_TYPE_ED25519, ed25519NoteSigner, formatVerifierKey, merkleLeafHash, signCheckpoint } from '@candor/transparency'
import { buildExport, AUDIT_ENTRY, MANIFEST, MANIFEST_SIG, type ExportableRecord } from './export.ts'
import { verifyEdiscoveryExport, type ExportAuditProof } from './verify-export.ts'
import { newX25519KeyPair } from './hpke-to-device.ts'

const logSeed = ed25519.utils.randomSecretKey()
const logKey = formatVerifierKey('candor/access-log', SIG_TYPE_ED25519, ed25519.getPublicKey(logSeed))

const records: ExportableRecord[] = [
  { id: 'r2', kind: 'text', conversation: 'g1', sender: { user: 'erin@acme.example', device: 'd1' }, sentAt: 2000, receivedAt: 2001, messageId: 'm2', text: 'second — ünïcode', attachments: [{ blob: 'b1', name: 'plan.pdf', mediaType: 'application/pdf', size: 3, sha256: toBase64Url(sha256(utf8('pdf'))) }] },
  { id: 'r1', kind: 'text', conversation: 'g1', sender: { user: 'frank', device: 'd2' }, sentAt: 1000, receivedAt: 1001, messageId: 'm1', text: 'first\r\nline' },
  { id: 'r3', kind: 'delete', conversation: 'g1', sender: { user: 'erin@acme.example', device: 'd1' }, sentAt: 3000, receivedAt: 3001, messageId: 'm3', target: 'm2' },
]

/** A real export, logged as entry 2 of a real signed audit log of acme. */
function exported(attachment: Uint8Array | null = utf8('pdf')): Map<string, Uint8Array> {
  const built = buildExport({
    archivePrivateKey: newX25519KeyPair().secretKey, org: 'acme', request: 'R1', case: 'C-1', why: 'legal_obligation',
    scope: { conversations: ['g1'], people: [], from: 0, to: 9e12 }, keyVersion: 1, records, createdAt: 5000,
    attachmentBytes: () => attachment,
  })
  const entry = JSON.stringify({ v: 1, org: 'acme', at: 5001, actor: { kind: 'admin', id: 'olga', role: 'compliance_officer' }, action: 'compliance.export', target: 'unlock:R1',
    details: { request: 'R1', signature: built.signature, manifestSha256: built.manifestSha256, exportKey: built.manifest.exportKey } })
  const log = new MerkleLog()
  for (const t of ['a', 'b', entry, 'c']) log.append(merkleLeafHash(utf8(t)))
  const origin = orgAuditOrigin('acme')
  const proof: ExportAuditProof = {
    org: 'acme', index: 2, entry, proof: log.inclusionProof(2, 4).map(toBase64Url),
    checkpoint: signCheckpoint({ origin, size: 4, rootHash: log.root(4), extensions: [] }, [ed25519NoteSigner(origin, logSeed)]),
    verifierKey: formatVerifierKey(origin, SIG_TYPE_ED25519, ed25519.getPublicKey(logSeed)),
  }
  built.files.set(AUDIT_ENTRY, utf8(JSON.stringify(proof)))
  return built.files
}

describe('eDiscovery export', () => {
  it('writes one RFC 5322 message per record with conversation and sender headers, JSON Lines, attachments; verifies', () => {
    const files = exported()
    const emls = [...files.keys()].filter((p) => p.endsWith('.eml')).sort()
    expect(emls).toEqual(['messages/000001-r1.eml', 'messages/000002-r2.eml', 'messages/000003-r3.eml'])
    const first = fromUtf8(files.get(emls[1]!)!)
    expect(first).toMatch(/^From: erin@acme\.example\r\n/)
    expect(first).toMatch(/\r\nX-Candor-Conversation: g1\r\n/)
    expect(first).toMatch(/\r\nX-Candor-Sender-Device: d1\r\n/)
    expect(first).toMatch(/\r\nDate: Thu, 01 Jan 1970 00:00:02 \+0000\r\n/)
    expect(first).toMatch(/\r\nX-Candor-Attachment: attachments\/r2-0-plan\.pdf; sha256=[A-Za-z0-9_-]{43}\r\n/)
    expect(first.split('\r\n\r\n')[1]!.replace(/\r\n/g, '')).toBe(Buffer.from('second — ünïcode').toString('base64'))
    expect(fromUtf8(files.get(emls[0]!)!)).toMatch(/^From: frank@candor\.invalid\r\n/)
    expect(fromUtf8(files.get('messages.jsonl')!).trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['r1', 'r2', 'r3'])
    expect(fromUtf8(files.get('messages.jsonl')!)).not.toMatch(/"key"/)
    expect(files.get('attachments/r2-0-plan.pdf')).toEqual(utf8('pdf'))
    const v = verifyEdiscoveryExport(files, { logKey })
    expect(v).toMatchObject({ files: 5, attachments: { included: 1, missing: 0 }, auditIndex: 2, pinned: true })
  })

  it('an attachment the archive did not have is named as missing, not included; a file that is not the one its message names fails', () => {
    const without = exported(null)
    expect(without.has('attachments/r2-0-plan.pdf')).toBe(false)
    expect(fromUtf8(without.get('messages.jsonl')!)).toMatch(/"included":false/)
    expect(verifyEdiscoveryExport(without, { logKey })).toMatchObject({ files: 4, attachments: { included: 0, missing: 1 } })
    // Signed and logged like any export, but the file is not the sender's: its SHA-256 is not the message's.
    expect(() => verifyEdiscoveryExport(exported(utf8('PDF')), { logKey })).toThrow(/attachments\/r2-0-plan\.pdf: not the file its message names/)
  })

  it('a changed byte fails', () => {
    const files = exported()
    const b = files.get('messages/000002-r2.eml')!.slice()
    b[b.length - 3]! ^= 1
    files.set('messages/000002-r2.eml', b)
    expect(() => verifyEdiscoveryExport(files, { logKey })).toThrow(/messages\/000002-r2\.eml: its SHA-256 differs from the manifest's \(changed\)/)
  })

  it('a removed file fails', () => {
    const files = exported()
    files.delete('attachments/r2-0-plan.pdf')
    expect(() => verifyEdiscoveryExport(files, { logKey })).toThrow(/attachments\/r2-0-plan\.pdf: listed in the manifest but missing \(removed\)/)
  })

  it('an added file fails', () => {
    const files = exported()
    files.set('messages/000004-planted.eml', utf8('From: x@y\r\n\r\nhi'))
    expect(() => verifyEdiscoveryExport(files, { logKey })).toThrow(/messages\/000004-planted\.eml: not in the manifest \(added\)/)
  })

  it('a wrong signature fails; so does a manifest re-signed by another key (its signature is not the one logged)', () => {
    const files = exported()
    const sig = fromUtf8(files.get(MANIFEST_SIG)!).trim()
    files.set(MANIFEST_SIG, utf8((sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)))
    expect(() => verifyEdiscoveryExport(files, { logKey })).toThrow(/manifest\.sig: the manifest signature does not verify with the export key/)
    const forged = exported()
    const m = JSON.parse(fromUtf8(forged.get(MANIFEST)!)) as { exportKey: string; case: string }
    const seed = ed25519.utils.randomSecretKey()
    m.exportKey = toBase64Url(ed25519.getPublicKey(seed))
    const bytes = utf8(JSON.stringify(m, null, 2) + '\n')
    forged.set(MANIFEST, bytes)
    forged.set(MANIFEST_SIG, utf8(toBase64Url(ed25519.sign(bytes, seed))))
    expect(() => verifyEdiscoveryExport(forged, { logKey })).toThrow(/audit-entry\.json: the logged signature is not this manifest's signature/)
  })

  it('an audit entry not in the pinned log fails', () => {
    const files = exported()
    const other = formatVerifierKey('candor/access-log', SIG_TYPE_ED25519, ed25519.getPublicKey(ed25519.utils.randomSecretKey()))
    expect(() => verifyEdiscoveryExport(files, { logKey: other })).toThrow(/checkpoint is not signed by the pinned key of candor\/org-audit\/acme/)
    const p = JSON.parse(fromUtf8(files.get(AUDIT_ENTRY)!)) as ExportAuditProof
    files.set(AUDIT_ENTRY, utf8(JSON.stringify({ ...p, index: 1 })))
    expect(() => verifyEdiscoveryExport(files, { logKey })).toThrow(/entry 1 is not in the signed audit trail/)
    files.delete(AUDIT_ENTRY)
    expect(() => verifyEdiscoveryExport(files, { logKey })).toThrow(/audit-entry\.json is missing/)
  })
})

// Which erasure notices the archive accepts: only a person's own erasure in this organisation,
// in the audit trail under a checkpoint signed by the pinned access-log key, whose notice that key
// signed. Forged pages and entries are refused (the archive then deletes nothing for them).
import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { MerkleLog, SIG_TYPE_ED25519, ed25519NoteSigner, formatVerifierKey, merkleLeafHash, signCheckpoint, signNote } from '@candor/transparency'
import { erasureNoticeText, orgAuditOrigin, orgErasureKeyName, toBase64Url, utf8, type AuditEntry, type OrgAuditResponse } from '@candor/protocol'
import { verifyErasures } from './archive-erasure.ts'

const serverSeed = new Uint8Array(randomBytes(32))
const pinned = formatVerifierKey('candor/access-log', SIG_TYPE_ED25519, ed25519.getPublicKey(serverSeed))

const notice = (org: string, person: string, seed = serverSeed, noticeOrg = org) =>
  signNote(erasureNoticeText({ org: noticeOrg, person, at: 1234 }), [ed25519NoteSigner(orgErasureKeyName(org), seed)])
const entry = (org: string, actor: AuditEntry['actor'], target: string, details: Record<string, unknown>, action: AuditEntry['action'] = 'account.erase') =>
  JSON.stringify({ v: 1, org, at: 1234, actor, action, target, details } satisfies AuditEntry)
const person = (id: string): AuditEntry['actor'] => ({ kind: 'person', id, role: null })

/** A trail of `texts` as the server serves it: every entry, one checkpoint signed with `seed`. */
function page(org: string, texts: string[], seed = serverSeed): OrgAuditResponse {
  const tree = new MerkleLog()
  for (const t of texts) tree.append(merkleLeafHash(utf8(t)))
  const checkpoint = signCheckpoint({ origin: orgAuditOrigin(org), size: tree.size, rootHash: tree.root(tree.size), extensions: [] }, [ed25519NoteSigner(orgAuditOrigin(org), seed)])
  return { org, verifierKey: '', checkpoint, entries: texts.map((entry, index) => ({ index, entry, proof: tree.inclusionProof(index, tree.size).map((h) => toBase64Url(h)) })), next: null }
}

describe('the erasure notices the archive accepts', () => {
  it('accepts carol’s own erasure, signed and in the signed trail; the cursor moves to the checkpoint’s end', () => {
    const p = page('acme', [entry('acme', person('carol@acme.example'), 'user:carol@acme.example', { notice: notice('acme', 'carol@acme.example'), holds: [] })])
    expect(verifyErasures(p, 'acme', pinned, 0)).toEqual({ accepted: [{ person: 'carol@acme.example', audit: 0, at: 1234 }], refused: [], next: 1, end: true })
  })

  it('refuses a notice signed by another key, one made by an admin, one about someone else, one of another organisation', () => {
    const other = new Uint8Array(randomBytes(32))
    const texts = [
      entry('acme', person('bob@acme.example'), 'user:bob@acme.example', { notice: notice('acme', 'bob@acme.example', other), holds: [] }),
      entry('acme', { kind: 'admin', id: 'alice@acme.example', role: 'owner' }, 'user:bob@acme.example', { notice: notice('acme', 'bob@acme.example'), holds: [] }),
      entry('acme', person('carol@acme.example'), 'user:carol@acme.example', { notice: notice('acme', 'bob@acme.example'), holds: [] }),
      entry('acme', person('carol@acme.example'), 'user:bob@acme.example', { notice: notice('acme', 'carol@acme.example'), holds: [] }),
      entry('acme', person('gus@globex.example'), 'user:gus@globex.example', { notice: notice('globex', 'gus@globex.example'), holds: [] }),
      entry('acme', person('gus@globex.example'), 'user:gus@globex.example', { notice: notice('acme', 'gus@globex.example', serverSeed, 'globex'), holds: [] }),
      entry('acme', person('carol@acme.example'), 'user:carol@acme.example', { notice: notice('acme', 'carol@acme.example') }, 'user.export'),
      entry('acme', person('carol@acme.example'), 'user:carol@acme.example', {}),
    ]
    const r = verifyErasures(page('acme', texts), 'acme', pinned, 0)
    expect(r.accepted).toEqual([])
    expect(r.refused.map((x) => x.reason)).toEqual([
      'its notice is not signed by the pinned access-log key',
      'made by admin alice@acme.example, not by the person erased',
      'its notice is about bob@acme.example of acme',
      "carol@acme.example's entry names user:bob@acme.example",
      'its notice is not signed by the pinned access-log key',
      'its notice is about gus@globex.example of globex',
      'a user.export entry, not account.erase',
      'its notice is not signed by the pinned access-log key',
    ])
    expect(r.next).toBe(texts.length)
  })

  it('refuses an entry whose proof does not lead to the checkpoint, and a whole page under another key or organisation', () => {
    const good = entry('acme', person('carol@acme.example'), 'user:carol@acme.example', { notice: notice('acme', 'carol@acme.example'), holds: [] })
    const p = page('acme', [good, good.replace('"at":1234', '"at":1235')])
    const swapped = { ...p, entries: [{ ...p.entries[0]!, entry: p.entries[1]!.entry }, p.entries[1]!] }
    const r = verifyErasures(swapped, 'acme', pinned, 0)
    expect(r.refused).toEqual([{ index: 0, reason: 'not in the signed audit trail' }])
    expect(r.accepted.map((a) => a.audit)).toEqual([1])
    expect(() => verifyErasures(page('acme', [good], new Uint8Array(randomBytes(32))), 'acme', pinned, 0)).toThrow(/not signed by the pinned access-log key/)
    expect(() => verifyErasures(page('globex', [good]), 'acme', pinned, 0)).toThrow(/about globex/)
    // An entry before the cursor is not taken again, and the cursor never goes back.
    expect(verifyErasures(p, 'acme', pinned, 1).refused).toEqual([{ index: 0, reason: 'outside 1…1' }])
    expect(() => verifyErasures({ ...p, next: 0 }, 'acme', pinned, 1)).toThrow(/next \(0\)/)
  })
})

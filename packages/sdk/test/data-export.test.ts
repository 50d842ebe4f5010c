// The export through a real client: the bundle holds the decrypted conversations, account and
// device metadata, key-directory history with its proof, access receipts with proofs and the
// server-held data; verification passes, and any change names the file that differs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromUtf8, toBase64Url, utf8, type UserId } from '@candor/protocol'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import { verifyExport, type BagFile } from '../src/index.ts'
import { nextMessage, startDevEnv, type DevEnv } from './dev-env.ts'

let env: DevEnv
let files: BagFile[]
const steps: string[] = []

beforeAll(async () => {
  env = await startDevEnv()
  const amy = await env.user('amy')
  const ben = await env.user('ben')
  const conv = await amy.directConversation('ben')
  const got = nextMessage(ben, (m) => m.text === 'exported words')
  await amy.send(conv, 'exported words')
  await got
  await env.server.context.access.access(
    { accessor: { userId: 'ops' as UserId, role: 'compliance_officer', org: 'acme' }, subject: 'amy' as UserId, categories: ['account_metadata'], resources: [], justification: 'compliance_export', caseRef: 'C-1' },
    async () => undefined,
  )
  files = await amy.exportData((done, total, step) => steps.push(`${done}/${total} ${step}`))
})
afterAll(async () => env.close())

const asMap = (fs: readonly BagFile[]) => new Map(fs.map((f) => [f.path, f.bytes]))
const text = (path: string) => fromUtf8(files.find((f) => f.path === path)!.bytes)

describe('export', () => {
  it('holds everything, reports progress, and verifies', async () => {
    const paths = files.map((f) => f.path)
    for (const p of ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'tagmanifest-sha256.txt', 'manifest-signature.txt', 'data/account.json', 'data/key-directory.json', 'data/access-receipts.json', 'data/consents.jsonl', 'data/server-held.json']) {
      expect(paths).toContain(p)
    }
    const conv = paths.find((p) => p.startsWith('data/conversations/') && p.endsWith('.jsonl'))!
    expect(JSON.parse(text(conv).trim().split('\n')[0]!)).toMatchObject({ from: 'amy', text: 'exported words' })
    const receipts = JSON.parse(text('data/access-receipts.json'))
    expect(receipts.verified[0].receipt.why).toEqual({ code: 'compliance_export', caseRef: 'C-1' })
    expect(receipts.proofs.receipts[0].proof).toBeInstanceOf(Array)
    expect(JSON.parse(text('data/key-directory.json')).history.proof.length).toBeGreaterThan(10)
    expect(JSON.parse(text('data/server-held.json'))).toMatchObject({ userId: 'amy', accessLog: [{ index: expect.any(Number) }] })
    expect(steps.at(-1)).toMatch(/^(\d+)\/\1 manifest signed$/)
    expect(await verifyExport(asMap(files))).toMatchObject({ ok: true })
  })

  it('names the first file that differs on any change', async () => {
    const changed = (path: string, f: (b: Uint8Array) => Uint8Array) => asMap(files.map((x) => (x.path === path ? { path, bytes: f(x.bytes) } : x)))
    const flip = (b: Uint8Array) => {
      if (b.length < 2) return utf8('{}\n')
      const c = b.slice()
      c[c.length - 2]! ^= 1
      return c
    }
    for (const p of files.map((f) => f.path).filter((p) => p.startsWith('data/'))) {
      expect(await verifyExport(changed(p, flip))).toMatchObject({ ok: false, file: p })
    }
    const extra = asMap([...files, { path: 'data/sneaky.txt', bytes: utf8('x') }])
    expect(await verifyExport(extra)).toMatchObject({ ok: false, file: 'data/sneaky.txt' })
    const missing = asMap(files.filter((f) => f.path !== 'data/account.json'))
    expect(await verifyExport(missing)).toMatchObject({ ok: false, file: 'data/account.json' })
    expect(await verifyExport(changed('manifest-signature.txt', flip))).toMatchObject({ ok: false })
    expect(await verifyExport(changed('bag-info.txt', flip))).toMatchObject({ ok: false, file: 'bag-info.txt' })
    // A changed file with a manifest updated to match still fails: the signature covers the manifest.
    const account = files.find((f) => f.path === 'data/account.json')!
    const forged = utf8(fromUtf8(account.bytes).replace('amy', 'eve'))
    const { sha256Hex } = await import('../src/data/bag.ts')
    const manifest = text('manifest-sha256.txt').replace(await sha256Hex(account.bytes), await sha256Hex(forged))
    const m = changed('data/account.json', () => forged)
    m.set('manifest-sha256.txt', utf8(manifest))
    expect(await verifyExport(m)).toMatchObject({ ok: false, file: 'manifest-sha256.txt' })
    // Re-signed with another key after recomputing the hashes: the key is not in the
    // account's proven key-directory history.
    const other = generateDeviceKey()
    const sig = utf8(`Ed25519 ${'A'.repeat(22)} ${toBase64Url(other.publicKey)} ${toBase64Url(signDetached(other.secretKey, utf8(manifest)))}\n`)
    m.set('manifest-signature.txt', sig)
    expect(await verifyExport(m)).toMatchObject({ ok: false, file: 'data/key-directory.json' })
  })
})

// Verifying an export against keys known out of band: the bundled access-log checkpoint and
// key-directory history must be signed by the pinned keys, not merely by whatever keys the
// bundle names. A bundle from another server (receipts under another log key) fails and names
// the file; the SDK's access-log tracker refuses a log that is not the pinned one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signDetached } from '@candor/crypto'
import { accessLogInfoSchema, fromUtf8, utf8, type UserId } from '@candor/protocol'
import { CandorClient, MemoryLocalStore, verifyExport, type BagFile } from '../src/index.ts'
import { loadIdentity, type Identity } from '../src/identity.ts'
import { MANIFEST, SIGNATURE, TAG_MANIFEST, manifestOf, signatureLine } from '../src/data/bag.ts'
import { options, startDevEnv, type DevEnv } from './dev-env.ts'

let home: DevEnv
let elsewhere: DevEnv
let files: BagFile[]
let foreign: BagFile[]
let keys: { logKey: string; directoryKey: string }
let foreignKeys: { logKey: string; directoryKey: string }

async function keysOf(env: DevEnv): Promise<{ logKey: string; directoryKey: string }> {
  const log = accessLogInfoSchema.parse(await (await fetch(`${env.server.url}/v1/access-log`)).json())
  const dir = (await (await fetch(`${env.server.url}/v1/directory`)).json()) as { verifierKey: string }
  return { logKey: log.verifierKey, directoryKey: dir.verifierKey }
}

async function exportWithReceipt(env: DevEnv): Promise<BagFile[]> {
  const amy = await env.user('amy')
  await env.server.context.access.access(
    { accessor: { userId: 'ops' as UserId, role: 'support', org: 'acme' }, subject: 'amy' as UserId, categories: ['account_metadata'], resources: [], justification: 'support_request', caseRef: 'S-1' },
    async () => undefined,
  )
  await amy.consent('contact_discovery', 'address-book', 'given')
  return amy.exportData()
}

beforeAll(async () => {
  home = await startDevEnv()
  elsewhere = await startDevEnv()
  keys = await keysOf(home)
  foreignKeys = await keysOf(elsewhere)
  files = await exportWithReceipt(home)
  foreign = await exportWithReceipt(elsewhere)
})
afterAll(async () => {
  await home.close()
  await elsewhere.close()
})

const asMap = (fs: readonly BagFile[]) => new Map(fs.map((f) => [f.path, f.bytes]))

/** Recomputes the manifests and signs them with the device key, as the exporting device would. */
async function resign(fs: readonly BagFile[], id: Identity): Promise<BagFile[]> {
  const data = fs.filter((f) => f.path.startsWith('data/'))
  const manifest = utf8(await manifestOf(data))
  const tags = fs.filter((f) => !f.path.startsWith('data/') && f.path !== MANIFEST && f.path !== SIGNATURE && f.path !== TAG_MANIFEST)
  tags.push({ path: MANIFEST, bytes: manifest }, { path: SIGNATURE, bytes: utf8(signatureLine(id.deviceId, id.publicKey, signDetached(id.secretKey, manifest))) })
  return [...data, ...tags, { path: TAG_MANIFEST, bytes: utf8(await manifestOf(tags)) }]
}

describe('export verification with pinned keys', () => {
  it('passes with the keys of the server it came from', async () => {
    expect(keys.logKey).not.toBe(foreignKeys.logKey)
    expect(await verifyExport(asMap(files), keys)).toMatchObject({ ok: true })
    expect(await verifyExport(asMap(files))).toMatchObject({ ok: true })
  })

  it('fails, naming the file, when the receipts or the directory history are under other keys', async () => {
    // Self-consistent on its own, but its access log is not the one pinned.
    expect(await verifyExport(asMap(foreign))).toMatchObject({ ok: true })
    expect(await verifyExport(asMap(foreign), { logKey: keys.logKey })).toMatchObject({ ok: false, file: 'data/access-receipts.json', problem: expect.stringContaining('pinned log key') })
    expect(await verifyExport(asMap(foreign), { directoryKey: keys.directoryKey })).toMatchObject({ ok: false, file: 'data/key-directory.json' })
    expect(await verifyExport(asMap(files), { logKey: 'not a key' })).toMatchObject({ ok: false, file: 'data/access-receipts.json' })
  })

  it('without pins, still checks the receipts’ inclusion proofs and the consent signatures (device re-signs a changed bundle)', async () => {
    // The exporting device itself (whose key the directory proves) signs a bundle with a
    // broken receipt proof or a consent record whose signature does not hold: the manifest
    // and its signature are fine, the content checks are not.
    const store = new MemoryLocalStore()
    const cal = await home.user('cal', store)
    await home.server.context.access.access(
      { accessor: { userId: 'ops' as UserId, role: 'support', org: 'acme' }, subject: 'cal' as UserId, categories: ['device_list'], resources: [], justification: 'support_request', caseRef: 'S-2' },
      async () => undefined,
    )
    await cal.consent('data_export', 'all', 'given')
    const own = await cal.exportData()
    const id = (await loadIdentity(store))!
    expect(await verifyExport(asMap(await resign(own, id)))).toMatchObject({ ok: true })

    const receipts = JSON.parse(fromUtf8(own.find((f) => f.path === 'data/access-receipts.json')!.bytes))
    const node = receipts.proofs.receipts[0].proof[0] as string
    receipts.proofs.receipts[0].proof[0] = `${node.slice(0, -2)}${node.endsWith('AA') ? 'BA' : 'AA'}`
    const badProof = own.map((f) => (f.path === 'data/access-receipts.json' ? { path: f.path, bytes: utf8(JSON.stringify(receipts)) } : f))
    expect(await verifyExport(asMap(await resign(badProof, id)))).toMatchObject({ ok: false, file: 'data/access-receipts.json', problem: expect.stringContaining('not in the signed access log') })

    const consent = JSON.parse(fromUtf8(own.find((f) => f.path === 'data/consents.jsonl')!.bytes).trim())
    consent.record = consent.record.replace('"given"', '"withdrawn"')
    const badConsent = own.map((f) => (f.path === 'data/consents.jsonl' ? { path: f.path, bytes: utf8(`${JSON.stringify(consent)}\n`) } : f))
    expect(await verifyExport(asMap(await resign(badConsent, id)))).toMatchObject({ ok: false, file: 'data/consents.jsonl', problem: expect.stringContaining('bad signature') })
  })

  it('a device with the log key pinned refuses a server whose log is signed by another key', async () => {
    const amy = await home.user('amy2')
    expect(await amy.accessReceipts()).toEqual([])
    // The same device home, opened against the other server with this server's key pinned.
    const store = new MemoryLocalStore()
    const pinned = await CandorClient.register({ ...options(elsewhere.server.url, store), accessLogKey: keys.logKey }, 'zed')
    elsewhere.clients.push(pinned)
    await expect(pinned.accessReceipts()).rejects.toMatchObject({ code: 'receipt_invalid' })
    // A device that pinned one key earlier refuses to be told another one later.
    const rightKey = await CandorClient.open({ ...options(elsewhere.server.url, store), accessLogKey: foreignKeys.logKey })
    elsewhere.clients.push(rightKey!)
    await expect(rightKey!.accessReceipts()).rejects.toMatchObject({ code: 'receipt_invalid', message: expect.stringContaining('differs') })
    const fresh = await CandorClient.register({ ...options(elsewhere.server.url), accessLogKey: foreignKeys.logKey }, 'zoe')
    elsewhere.clients.push(fresh)
    expect(await fresh.accessReceipts()).toEqual([])
  })
})

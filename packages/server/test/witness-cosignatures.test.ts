// Witness cosignatures are posted without a session (a witness is not a user). Before, anyone
// could post one, unverified, and a forged line in a witness's name replaced the real one, so
// every client requiring that witness refused every lookup. Now only configured witnesses, only
// verified, only over a checkpoint the directory signed, kept in the store.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes, utf8, type DirectoryInfo } from '@candor/protocol'
import { generateDeviceKey } from '@candor/crypto'
import {
  SIG_TYPE_COSIGNATURE_V1,
  cosigner,
  formatCheckpoint,
  formatNote,
  formatVerifierKey,
  noteVerifierFromKey,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  signCheckpoint,
  ed25519NoteSigner,
  type NoteSigner,
} from '@candor/transparency'
import { SqliteStore } from '@candor/store-sqlite'
import { createServer, generateServerKeys, type CandorServer, type ServerKeys } from '../src/index.ts'
import { http, rawRegister } from './raw-client.ts'

interface TestWitness {
  name: string
  vkey: string
  /** A signer whose cosignatures carry time `t` (POSIX seconds). */
  at(t: number): NoteSigner
}

function witness(name: string): TestWitness {
  const { secretKey, publicKey } = generateDeviceKey()
  return { name, vkey: formatVerifierKey(name, SIG_TYPE_COSIGNATURE_V1, publicKey), at: (t) => cosigner(name, secretKey, () => t) }
}

/** The witness's cosignature of a checkpoint note's body, as a witness posts it. */
function cosign(signer: NoteSigner, checkpoint: string): string {
  const text = parseNote(checkpoint)!.text
  return formatNote(text, [{ name: signer.name, keyId: signer.keyId, signature: signer.sign(utf8(text)) }])
}

const [w1, w2, w3] = [witness('witness.one'), witness('witness.two'), witness('witness.three')]

let server: CandorServer
let store: SqliteStore
let keys: ServerKeys
let dir: string

async function start(): Promise<void> {
  store = SqliteStore.open(join(dir, 'db.sqlite'))
  server = await createServer({ store, keys, logLevel: 'silent', witnesses: [w1.vkey, w3.vkey] })
}
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'candor-cosignatures-'))
  keys = generateServerKeys()
  await start()
  await rawRegister(server.url, 'alice')
})
afterEach(async () => {
  await server.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

const info = async () => (await http(server.url, 'GET', '/v1/directory')).json as unknown as DirectoryInfo
const post = (note: string) => http(server.url, 'POST', '/v1/directory/cosignatures', { note })
const checkpointAt = async (size: number) => (await http(server.url, 'GET', `/v1/directory/checkpoints/${size}`)).json.checkpoint as string
const signers = (note: string) => parseNote(note)!.signatures.map((s) => s.name)

/** What a client that pins the directory key and requires these witnesses makes of a checkpoint. */
async function cosignedBy(note: string, ...ws: TestWitness[]): Promise<string[] | null> {
  const d = await info()
  const opened = openCheckpoint(note, d.origin, ws.map((w) => noteVerifierFromKey(w.vkey)!))
  return opened ? opened.verified.map((s) => s.name) : null
}

describe('witness cosignatures', () => {
  it('refuses a cosignature from a witness the operator did not configure, and serves none', async () => {
    const before = (await info()).checkpoint
    const r = await post(cosign(w2.at(1000), before))
    expect(r.status).toBe(403)
    expect(r.json.error?.message).toMatch(/witness\.two is not a witness this server accepts.*--witness/)
    expect((await info()).checkpoint).toBe(before)
    expect(await store.cosignaturesAt(parseCheckpoint(parseNote(before)!.text)!.size)).toEqual([])
  })

  it('refuses a forged line in a configured witness’s name; the real one keeps being served and verifying', async () => {
    const latest = (await info()).checkpoint
    expect(await post(cosign(w1.at(1000), latest))).toMatchObject({ status: 200, json: { accepted: true, witness: 'witness.one' } })
    const served = (await info()).checkpoint
    expect(await cosignedBy(served, w1)).toEqual(['witness.one'])

    // Same name and key ID, a later time, a signature that is not the witness's.
    const real = parseNote(cosign(w1.at(2000), latest))!
    const sig = real.signatures[0]!
    const forgedSig = Uint8Array.from([...sig.signature.subarray(0, 8), ...randomBytes(64)])
    const forged = formatNote(real.text, [{ ...sig, signature: forgedSig }])
    const r = await post(forged)
    expect(r.status).toBe(401)
    expect(r.json.error).toMatchObject({ code: 'bad_signature', message: expect.stringMatching(/witness\.one/) })
    expect((await info()).checkpoint).toBe(served)
    expect(await cosignedBy((await info()).checkpoint, w1)).toEqual(['witness.one'])
  })

  it('accepts a cosignature only over the exact body of a checkpoint the directory signed', async () => {
    const latest = (await info()).checkpoint
    const cp = parseCheckpoint(parseNote(latest)!.text)!
    const refused = async (text: string) => {
      const r = await post(formatNote(text, [{ name: w1.name, keyId: w1.at(1).keyId, signature: w1.at(1000).sign(utf8(text)) }]))
      return r.json.error?.code
    }
    expect(await refused(formatCheckpoint({ ...cp, rootHash: new Uint8Array(32).fill(7) }))).toBe('not_found')
    expect(await refused(formatCheckpoint({ ...cp, size: cp.size + 5 }))).toBe('not_found')
    expect(await refused(formatCheckpoint({ ...cp, origin: 'another/directory' }))).toBe('not_found')
    // A checkpoint of another size, properly signed by the directory key but never published.
    const unpublished = signCheckpoint({ ...cp, rootHash: new Uint8Array(32).fill(9) }, [ed25519NoteSigner(cp.origin, keys.directorySigningKey)])
    expect((await post(cosign(w1.at(1000), unpublished))).json.error?.code).toBe('not_found')
    // Not a note at all, two witnesses in one post, or none: refused as malformed.
    expect((await post('hello')).json.error?.code).toBe('bad_request')
    const two = formatNote(parseNote(latest)!.text, [...parseNote(cosign(w1.at(1), latest))!.signatures, ...parseNote(cosign(w3.at(1), latest))!.signatures])
    expect((await post(two)).json.error?.message).toMatch(/exactly one witness cosignature/)
    expect((await post(latest)).json.error?.message).toMatch(/exactly one witness cosignature/)
    expect(signers((await info()).checkpoint)).toEqual([cp.origin])
    expect(await store.cosignaturesAt(cp.size)).toEqual([])
  })

  it('a newer cosignature of a witness replaces its older one, never another witness’s; an older one is refused', async () => {
    const first = (await info()).checkpoint
    const size = parseCheckpoint(parseNote(first)!.text)!.size
    expect((await post(cosign(w1.at(1000), first))).status).toBe(200)
    expect((await post(cosign(w3.at(1000), first))).status).toBe(200)
    expect(await cosignedBy(await checkpointAt(size), w1, w3)).toEqual(['witness.one', 'witness.three'])

    await rawRegister(server.url, 'bob')
    const second = (await info()).checkpoint
    const nextSize = parseCheckpoint(parseNote(second)!.text)!.size
    expect(nextSize).toBeGreaterThan(size)
    expect((await post(cosign(w1.at(900), second))).status).toBe(200)
    expect(await cosignedBy((await info()).checkpoint, w1)).toEqual(['witness.one'])
    // Witness one's older cosignature is replaced; witness three's stays where it was.
    expect(signers(await checkpointAt(size))).toEqual([parseCheckpoint(parseNote(first)!.text)!.origin, 'witness.three'])

    const older = await post(cosign(w1.at(5000), first))
    expect(older.status).toBe(409)
    expect(older.json.error?.message).toMatch(/already has a newer cosignature/)
    expect(signers(await checkpointAt(size))).not.toContain('witness.one')
    // The same one again is no change, and no error.
    expect((await post(cosign(w1.at(900), second))).status).toBe(200)
  })

  it('keeps cosignatures in the store: a restarted server serves them', async () => {
    const latest = (await info()).checkpoint
    expect((await post(cosign(w1.at(1000), latest))).status).toBe(200)
    await server.close()
    await store.close()
    await start()
    expect(await cosignedBy((await info()).checkpoint, w1)).toEqual(['witness.one'])
  })

  it('refuses to start with a witness key that is not a cosignature/v1 verifier key', async () => {
    const bad = [(await info()).verifierKey, 'not a key', w1.vkey.replace('witness.one', 'witness.eno')]
    for (const vkey of bad) {
      await expect(createServer({ store, keys, logLevel: 'silent', witnesses: [vkey] })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/not a witness verifier key/) })
    }
  })
})

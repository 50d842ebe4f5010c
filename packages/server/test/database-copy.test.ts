// "The database is not a key store": a thief with a copy of a running server's database files
// (and not its key file) can mint no session token the server accepts — for users or admins —
// and sign no checkpoint that verifies under the keys clients pinned. The copy is searched for
// every secret, and a second server is started on it, as far as an attacker could take it.
// (Against the code before the key file, the thief's token is accepted as the admin's and its
// checkpoint verifies under the pinned key: both keys were in the copy.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fromBase64Url, toBase64Url, type DeviceId, type UserId } from '@candor/protocol'
import { noteVerifierFromKey, openCheckpoint } from '@candor/transparency'
import { SqliteStore } from '@candor/store-sqlite'
import { createServer, generateServerKeys, type CandorServer, type ServerKeys, type Store } from '../src/index.ts'
import { TokenIssuer } from '../src/auth/tokens.ts'
import { http, rawRegister, type RawDevice } from './raw-client.ts'

let dir: string
let store: SqliteStore
let keys: ServerKeys
let server: CandorServer
let admin: RawDevice
let user: RawDevice
let copyPath: string

interface LogInfo {
  origin: string
  verifierKey: string
  checkpoint: string
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'candor-copy-'))
  store = SqliteStore.open(join(dir, 'live', 'candor.db'))
  keys = generateServerKeys()
  server = await createServer({ store, keys, logLevel: 'silent', httpRatePerSecond: 10_000 })
  admin = await rawRegister(server.url, 'ops-alice')
  user = await rawRegister(server.url, 'bob')
  const token = await server.context.admins.enrolmentToken()
  expect((await http(server.url, 'POST', '/v1/admin/enrol', { token }, admin.token)).status).toBe(201)
  await rawRegister(server.url, 'carol')
  expect((await http(server.url, 'POST', '/v1/admin/admins', { userId: 'carol', role: 'admin', org: 'default' }, admin.token)).status).toBe(201)

  // The thief's copy: the database file and its WAL as they are on disk, no key file.
  copyPath = join(dir, 'stolen', 'candor.db')
  mkdirSync(join(dir, 'stolen'))
  for (const suffix of ['', '-wal']) {
    if (existsSync(join(dir, 'live', `candor.db${suffix}`))) copyFileSync(join(dir, 'live', `candor.db${suffix}`), `${copyPath}${suffix}`)
  }
})

afterAll(async () => {
  await server?.close()
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

function copyHolds(needle: Uint8Array | string): boolean {
  const b = Buffer.from(needle)
  return ['', '-wal'].some((s) => existsSync(`${copyPath}${s}`) && readFileSync(`${copyPath}${s}`).includes(b))
}

const pinned = async (path: string): Promise<LogInfo> => (await http(server.url, 'GET', path)).json as unknown as LogInfo
const opens = (info: LogInfo, checkpoint: string) => openCheckpoint(checkpoint, info.origin, [noteVerifierFromKey(info.verifierKey)!]) !== null

/** A token for the admin's device, as any server with `tokens` would issue it. */
function adminToken(tokens: TokenIssuer): string {
  return tokens.issue({ deviceId: admin.deviceId, userId: admin.userId as UserId, expiresAt: Date.now() + 3_600_000 })
}

async function acceptedByServer(token: string): Promise<boolean> {
  const r = await http(server.url, 'GET', '/v1/admin/me', undefined, token)
  if (r.status !== 200 && r.json.error?.code !== 'unauthenticated') throw new Error(`unexpected answer ${r.status}: ${JSON.stringify(r.json)}`)
  return r.status === 200
}

describe('a copy of the database without the key file', () => {
  it('holds none of the server secrets (control: it does hold the users and their device keys)', () => {
    expect(copyHolds('ops-alice')).toBe(true)
    expect(copyHolds(admin.publicKey)).toBe(true)
    const secrets: Array<[string, Uint8Array]> = [
      ...keys.tokenKeys.map((k): [string, Uint8Array] => [`token key ${k.id}`, k.key]),
      ['directory signing key', keys.directorySigningKey],
      ['directory VRF key', keys.directoryVrfKey],
      ['access-log signing key', keys.accessLogSigningKey],
      ['access-pseudonym key', keys.accessPseudonymKey],
      ['admin-enrolment secret', keys.adminEnrolmentSecret],
    ]
    for (const [what, key] of secrets) {
      expect(copyHolds(key), `${what} as bytes`).toBe(false)
      expect(copyHolds(toBase64Url(key)), `${what} as base64url`).toBe(false)
    }
  })

  it('mints no token the server accepts: there is no secret in it to mint with', async () => {
    // Control: a real token of the admin is accepted, and one under a made-up key is not.
    expect(await acceptedByServer(admin.token)).toBe(true)
    const kid = admin.token.split('.')[0]!
    expect(await acceptedByServer(adminToken(new TokenIssuer([{ id: kid, key: new Uint8Array(32).fill(1), signsFrom: 0 }])))).toBe(false)

    const copy = SqliteStore.open(copyPath)
    try {
      // Where older versions kept the token secret and the signing keys: nothing is left.
      const found = Object.values(await copy.legacySecrets())
      expect(found).toEqual([])
      for (const secret of found) {
        const key = fromBase64Url(secret)!
        expect(await acceptedByServer(adminToken(new TokenIssuer([{ id: kid, key, signsFrom: 0 }])))).toBe(false)
      }
    } finally {
      await copy.close()
    }
  })

  it('a second server on the copy refuses keys other than the ones it was served with', async () => {
    const copy = SqliteStore.open(copyPath)
    try {
      await expect(createServer({ store: copy, keys: generateServerKeys(), logLevel: 'silent' })).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/served with other keys/),
      })
    } finally {
      await copy.close()
    }
  })

  it("and one altered to start anyway issues tokens the server refuses and checkpoints that fail the clients' pins", async () => {
    const copy = SqliteStore.open(copyPath)
    // The thief runs their own code: the check of the served keys is skipped.
    const altered = new Proxy(copy as Store, {
      get(target, prop, receiver) {
        if (prop === 'getOrCreateMeta') return async (_key: string, create: () => string) => create()
        const v = Reflect.get(target, prop, receiver) as unknown
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
      },
    })
    const thief = await createServer({ store: altered, keys: generateServerKeys(), logLevel: 'silent', httpRatePerSecond: 10_000 })
    try {
      // It knows the users and devices (control: its own tokens work on itself).
      expect((await http(thief.url, 'GET', '/v1/admin/me', undefined, adminToken(thief.context.tokens))).status).toBe(200)
      expect(await acceptedByServer(adminToken(thief.context.tokens))).toBe(false)
      expect(await acceptedByServer(thief.context.tokens.issue({ deviceId: user.deviceId as DeviceId, userId: 'bob' as UserId, expiresAt: Date.now() + 60_000 }))).toBe(false)

      // The copy holds the checkpoints the server signed; a new one (here: the directory with a
      // user the thief added, and the access log now) is signed with the thief's keys.
      await rawRegister(thief.url, 'mallory')
      for (const path of ['/v1/directory', '/v1/access-log']) {
        const pin = await pinned(path)
        const theirs = (await http(thief.url, 'GET', path)).json as unknown as LogInfo
        expect(opens(pin, pin.checkpoint), `${path}: control, the server's own checkpoint`).toBe(true)
        expect(opens(theirs, theirs.checkpoint), `${path}: the copy's new checkpoint is well-formed`).toBe(true)
        expect(opens(pin, theirs.checkpoint), `${path}: the copy's new checkpoint under the pinned key`).toBe(false)
      }
    } finally {
      await thief.close()
      await copy.close()
    }
  })
})

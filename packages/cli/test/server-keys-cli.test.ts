// The server's key file through the real `candor` process: an installation from before the key
// file moves its keys out of the database on start (clients' pins hold, the database files keep
// no byte of them); a key file others may read is refused; the token key rotates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import { authStatement, fromBase64Url, registrationStatement, toBase64Url } from '@candor/protocol'
import { noteVerifierFromKey, openCheckpoint } from '@candor/transparency'
import { createServer, generateServerKeyFile, parseServerKeyFile, serverKeysOf, type ServerKeyFile } from '@candor/server'
import { SqliteStore } from '@candor/store-sqlite'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-keys-cli-'))
const running: ServerProcess[] = []
afterAll(async () => {
  for (const s of running) await s.kill()
  rmSync(dir, { recursive: true, force: true })
})

async function serve(data: string): Promise<ServerProcess> {
  const s = await startServerProcess(data)
  running.push(s)
  return s
}

interface LogInfo {
  origin: string
  verifierKey: string
  vrfPublicKey?: string
  checkpoint: string
}
const info = async (url: string, path: string) => (await (await fetch(url + path)).json()) as LogInfo
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8)

describe('an installation from before the key file', () => {
  const data = join(dir, 'old')
  const db = join(data, 'candor.db')
  const home = (who: string) => join(dir, `home-${who}`)
  const keyFile: ServerKeyFile = generateServerKeyFile(Date.now())
  const legacy = {
    'token-secret': keyFile.tokenKeys[0]!.key,
    'directory-signing-key': keyFile.directorySigningKey,
    'directory-vrf-key': keyFile.directoryVrfKey,
    'access-log-signing-key': keyFile.accessLogSigningKey,
    'access-pseudonym-key': keyFile.accessPseudonymKey,
    'admin-enrolment-secret': keyFile.adminEnrolmentSecret,
  }
  let before: { directory: LogInfo; accessLog: LogInfo }

  function databaseHolds(needle: string | Uint8Array): string[] {
    return [db, `${db}-wal`].filter((f) => existsSync(f) && readFileSync(f).includes(Buffer.from(needle)))
  }

  beforeAll(async () => {
    // Served as an older version did: these keys signed its directory and log, and clients
    // pinned them; then the rows that version kept them in (and no record of public keys).
    const store = SqliteStore.open(db)
    const server = await createServer({ store, keys: serverKeysOf(keyFile), logLevel: 'silent' })
    for (const who of ['alice', 'bob']) {
      const r = await runCandor(['--server', server.url, '--home', home(who), 'register', who])
      expect(r.code, r.stderr).toBe(0)
    }
    const sent = await runCandor(['--server', server.url, '--home', home('alice'), 'send', 'bob', 'before the upgrade'])
    expect(sent.code, sent.stderr).toBe(0)
    expect((await runCandor(['--server', server.url, '--home', home('bob'), 'read'])).stdout).toMatch(/before the upgrade/)
    before = { directory: await info(server.url, '/v1/directory'), accessLog: await info(server.url, '/v1/access-log') }
    await server.close()
    await store.close()
    const raw = new Database(db)
    raw.prepare(`DELETE FROM meta WHERE key = 'served-public-keys'`).run()
    for (const [k, v] of Object.entries(legacy)) raw.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(k, v)
    raw.close()
  })

  it('moves the keys to the key file unchanged on start, and the database keeps no copy of them', async () => {
    // Negative control: the search finds every key in the database files before.
    for (const [name, v] of Object.entries(legacy)) expect(databaseHolds(v), name).not.toEqual([])

    const server = await serve(data)
    expect(server.output()).toMatch(/Moved the server keys out of the database into .*server-keys\.json/)

    // (a) the same directory and log keys, and a checkpoint signed now verifies under the old pins.
    const directory = await info(server.url, '/v1/directory')
    const accessLog = await info(server.url, '/v1/access-log')
    expect(directory.verifierKey).toBe(before.directory.verifierKey)
    expect(directory.vrfPublicKey).toBe(before.directory.vrfPublicKey)
    expect(accessLog.verifierKey).toBe(before.accessLog.verifierKey)
    expect(openCheckpoint(accessLog.checkpoint, before.accessLog.origin, [noteVerifierFromKey(before.accessLog.verifierKey)!])).not.toBeNull()

    // (b) the key file holds them, readable by its owner only.
    const path = join(data, 'server-keys.json')
    expect(mode(path)).toBe('600')
    const moved = parseServerKeyFile(readFileSync(path, 'utf8'), path)
    expect(moved).toMatchObject({
      tokenKeys: [{ id: 'legacy', key: legacy['token-secret'] }],
      directorySigningKey: legacy['directory-signing-key'],
      directoryVrfKey: legacy['directory-vrf-key'],
      accessLogSigningKey: legacy['access-log-signing-key'],
      accessPseudonymKey: legacy['access-pseudonym-key'],
      adminEnrolmentSecret: legacy['admin-enrolment-secret'],
    })

    // (c) neither the database file nor its WAL holds any of them, as text or as bytes.
    const check = () => {
      for (const [name, v] of Object.entries(legacy)) {
        expect(databaseHolds(v), `${name} as base64url`).toEqual([])
        expect(databaseHolds(fromBase64Url(v)!), `${name} as bytes`).toEqual([])
      }
    }
    check()

    // The devices of before sign in again and their pinned directory still verifies.
    const sent = await runCandor(['--server', server.url, '--home', home('alice'), 'send', 'bob', 'after the upgrade'])
    expect(sent.code, sent.stderr).toBe(0)
    const read = await runCandor(['--server', server.url, '--home', home('bob'), 'read'])
    expect(read.code, read.stderr).toBe(0)
    expect(read.stdout).toMatch(/alice: after the upgrade/)
    expect(openCheckpoint((await info(server.url, '/v1/directory')).checkpoint, before.directory.origin, [noteVerifierFromKey(before.directory.verifierKey)!])).not.toBeNull()

    await server.kill()
    running.splice(running.indexOf(server), 1)
    check()
    // A restart reads the file and has nothing left to move.
    const again = await serve(data)
    expect(again.output()).not.toMatch(/Moved|Removed/)
    expect((await info(again.url, '/v1/directory')).verifierKey).toBe(before.directory.verifierKey)
  })
})

describe('the key file on disk', () => {
  it('is refused when others may read it: the server does not start, and says why', async () => {
    const data = join(dir, 'loose')
    const path = join(data, 'server-keys.json')
    const server = await serve(data)
    await server.kill()
    chmodSync(path, 0o644)
    const r = await runCandor(['serve', '--port', '0', '--data', data])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/the key file .*server-keys\.json may be read or changed by other users \(mode 644\).*chmod 600/)
    expect(mode(path)).toBe('644')
  })
})

/** A device registered over HTTP; its session token and a way to sign in again. */
async function device(url: string, userId: string): Promise<{ token: string; signIn: () => Promise<string> }> {
  const k = generateDeviceKey()
  const pk = toBase64Url(k.publicKey)
  const post = async (path: string, body: unknown, base = url) =>
    (await (await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as Record<string, string>
  const { deviceId } = await post('/v1/register', { userId, publicKey: pk, deviceName: 'raw', signature: toBase64Url(signDetached(k.secretKey, registrationStatement(userId, pk))) })
  const signInAt = async (base: string) => {
    const { challenge } = await post('/v1/auth/challenge', { deviceId }, base)
    return (await post('/v1/auth/session', { deviceId, challenge, signature: toBase64Url(signDetached(k.secretKey, authStatement(deviceId!, challenge!))) }, base)).token!
  }
  const token = await signInAt(url)
  return { token, signIn: () => signInAt(current.url) }
}
let current: ServerProcess

const accepted = async (token: string): Promise<number> => (await fetch(`${current.url}/v1/devices`, { headers: { authorization: `Bearer ${token}` } })).status

describe('candor keys rotate-token', () => {
  it('adds a key that signs while the old one still verifies, and drops the old one only after the token lifetime', async () => {
    const data = join(dir, 'rotate')
    const path = join(data, 'server-keys.json')
    current = await serve(data)
    const ana = await device(current.url, 'ana')
    const [oldKid] = ana.token.split('.')
    await current.kill()

    const keys = (...args: string[]) => runCandor(['keys', 'rotate-token', '--data', data, ...args])
    const bad = await keys('--signs-in', 'soon')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/--signs-in "soon" is not a duration/)
    const rotated = await keys('--json')
    expect(rotated.code, rotated.stderr).toBe(0)
    const { added } = JSON.parse(rotated.stdout) as { added: string }
    expect(mode(path)).toBe('600')
    expect(parseServerKeyFile(readFileSync(path, 'utf8'), path).tokenKeys.map((k) => k.id)).toEqual([oldKid, added])

    // Too early: tokens of the old key may still be valid for an hour. Nothing changes.
    const text = readFileSync(path, 'utf8')
    const early = await keys('--drop-old')
    expect(early.code).toBe(1)
    expect(early.stderr).toMatch(/tokens signed by older keys stay valid until/)
    expect(readFileSync(path, 'utf8')).toBe(text)

    current = await serve(data)
    expect(await accepted(ana.token)).toBe(200)
    const fresh = await ana.signIn()
    expect(fresh.split('.')[0]).toBe(added)
    expect(await accepted(fresh)).toBe(200)
    await current.kill()

    // An hour and more later (the operator's clock, moved by editing the file's dates).
    const f = parseServerKeyFile(text, path)
    writeFileSync(path, JSON.stringify({ ...f, tokenKeys: f.tokenKeys.map((k) => ({ ...k, createdAt: k.createdAt - 2 * 3_600_000 })) }), { mode: 0o600 })
    const dropped = await keys('--drop-old', '--json')
    expect(dropped.code, dropped.stderr).toBe(0)
    expect(JSON.parse(dropped.stdout)).toMatchObject({ dropped: [oldKid], tokenKeys: [added] })

    current = await serve(data)
    expect(await accepted(ana.token)).toBe(401)
    expect(await accepted(fresh)).toBe(200)
  })

  it('init creates a key file for a cluster before its first start, and never overwrites one', async () => {
    const path = join(dir, 'cluster', 'keys.json')
    const created = await runCandor(['keys', 'init', '--key-file', path])
    expect(created.code, created.stderr).toBe(0)
    expect(mode(path)).toBe('600')
    const text = readFileSync(path, 'utf8')
    expect(parseServerKeyFile(text, path).tokenKeys).toHaveLength(1)
    const again = await runCandor(['keys', 'init', '--key-file', path])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/already; it was left as it is/)
    expect(readFileSync(path, 'utf8')).toBe(text)
  })

  it('changes no file when the keys come from the environment', async () => {
    const r = await runCandor(['keys', 'rotate-token', '--data', join(dir, 'rotate')], { ...process.env, CANDOR_SERVER_KEYS: JSON.stringify(generateServerKeyFile(1)) })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/come from CANDOR_SERVER_KEYS here, so there is no file to change/)
  })
})

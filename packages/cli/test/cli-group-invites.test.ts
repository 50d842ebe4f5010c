// `candor invite <conversation>` and `candor join <group link> [--wait]` (docs/protocol.md §5.8
// "Group links") through a real server, each command its own process: alice makes a link to her
// group with bob; dave uses it and is added by alice's device when it comes online (`read`),
// then reads the group. Refused, each changing nothing: a link made by someone not in the
// group, the link once used up, a revoked link and an expired one.
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes, toBase64Url, type UserId } from '@candor/protocol'
import { createServer, generateServerKeys, type CandorServer } from '@candor/server'
import { SqliteStore } from '@candor/store-sqlite'
import { runCandor } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-group-invites-'))
let store: SqliteStore
let server: CandorServer

const candor = (home: string, ...args: string[]) => runCandor(['--server', server.url, '--home', join(dir, home), ...args], undefined, 120_000)

async function members(home: string, group: string): Promise<string[]> {
  const out = await candor(home, 'groups', '--json')
  expect(out.code, out.stderr).toBe(0)
  const rows = out.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; members: string[] })
  return [...(rows.find((r) => r.id === group)?.members ?? [])].sort()
}

beforeAll(async () => {
  store = SqliteStore.open(join(dir, 'db.sqlite'))
  server = await createServer({ store, keys: generateServerKeys(), logLevel: 'silent' })
}, 600_000)
afterAll(async () => {
  await server?.close()
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor invite <conversation> / join <group link>', () => {
  it('dave joins alice’s group through her link once her device is online; a stranger’s, a used-up, a revoked and an expired link are refused', async () => {
    // Independent steps run side by side (each command is a process; the machine is shared).
    const registered = await Promise.all(['alice', 'bob', 'dave', 'cat', 'eve'].map((u) => candor(u, 'register', u)))
    for (const r of registered) expect(r.code, r.stderr).toBe(0)
    const made = await candor('alice', 'create', 'bob')
    expect(made.code, made.stderr).toBe(0)
    const group = made.stdout.trim()

    // Someone not in the group cannot make a link to it.
    const [stranger, out] = await Promise.all([candor('cat', 'invite', group), candor('alice', 'invite', group, '--uses', '1', '--json')])
    expect(stranger.code).not.toBe(0)
    expect(stranger.stderr).toMatch(/only a member can make a link to a conversation/)
    expect(out.code, out.stderr).toBe(0)
    const { link, inviteId, conversation } = JSON.parse(out.stdout) as { link: string; inviteId: string; conversation: string }
    expect(link).toMatch(/#\/join\/[A-Za-z0-9_-]{43}$/)
    expect(conversation).toBe(group)
    // The server's record never names the group.
    expect(JSON.stringify(await store.invites().listOf('alice' as UserId))).not.toContain(group)

    // dave asks and waits; alice's device adds him when it is online (each `read` is a moment online).
    // Bounded by time, not by a count of reads: under load dave's request can reach the server
    // only after several of alice's moments online have come and gone.
    // Its own limit: --wait waits up to 60 s for the add after a process start that takes tens of
    // seconds under load; killed at 120 s, it failed with an empty stderr (seen under load).
    const joining = runCandor(['--server', server.url, '--home', join(dir, 'dave'), 'join', link, '--wait'], undefined, 300_000)
    let joined = false
    void joining.then(() => (joined = true))
    const until = Date.now() + 300_000
    while (!joined && Date.now() < until) {
      const r = await candor('alice', 'read')
      expect(r.code, r.stderr).toBe(0)
    }
    const done = await joining
    expect(done.code, done.stderr).toBe(0)
    expect(done.stdout.trim()).toBe(group)

    // The listing first, on its own: taken while alice's second link is being made, it would show
    // one link or two depending on which process the machine ran first.
    const listedOut = await candor('alice', 'invites', '--json')
    expect(listedOut.code, listedOut.stderr).toBe(0)
    const listed = listedOut.stdout.trim().split('\n').map((l) => JSON.parse(l) as { inviteId: string; uses: number; conversation?: string })
    expect(listed).toEqual([expect.objectContaining({ inviteId, uses: 1, conversation: group })])
    const [sent, late, secondOut] = await Promise.all([
      candor('bob', 'send', group, 'welcome dave'),
      // Used up: cat is refused by the server, and nothing changes.
      candor('cat', 'join', link),
      candor('alice', 'invite', group, '--uses', '3', '--json'),
    ])
    expect(sent.code, sent.stderr).toBe(0)
    expect(late.code).not.toBe(0)
    expect(late.stderr).toMatch(/used as often as its creator allowed/)

    expect(secondOut.code, secondOut.stderr).toBe(0)
    const second = JSON.parse(secondOut.stdout) as { link: string; inviteId: string }
    // Expired: a link of alice's whose time is up (planted in the server's store, as time passing would leave it).
    const secret = randomBytes(32)
    const now = Date.now()
    const id = createHash('sha256').update(secret).digest('base64url')
    await store.invites().create({ inviteId: id, creator: 'alice' as UserId, createdAt: now - 7_200_000, expiresAt: now - 1, maxUses: 5 }, 50)
    const [read, revoking, expired] = await Promise.all([
      candor('dave', 'read', '--json'),
      candor('alice', 'invite-revoke', second.inviteId),
      candor('eve', 'join', `${server.url}/#/join/${toBase64Url(secret)}`),
    ])
    expect(read.code, read.stderr).toBe(0)
    expect(read.stdout).toContain('welcome dave')
    expect(revoking.code, revoking.stderr).toBe(0)
    expect(expired.code).not.toBe(0)
    expect(expired.stderr).toMatch(/expired/)

    const revoked = await candor('cat', 'join', second.link)
    expect(revoked.code).not.toBe(0)
    expect(revoked.stderr).toMatch(/revoked/)

    const [aliceSees, catSees] = await Promise.all([members('alice', group), members('cat', group)])
    expect(aliceSees).toEqual(['alice', 'bob', 'dave'])
    expect(catSees).toEqual([])
  }, 900_000)
})

// The acknowledgement rule (docs/protocol.md §6): a device acknowledges a delivery only once
// it processed it or rejected it for good. Faults are injected through real parts — a proxy in
// front of the real server, a real file store whose folders go away, a socket that loses
// acknowledgements or damages bytes — and nothing acknowledged may be lost, nothing shown twice,
// and what cannot be decrypted is shown on both sides.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CandorClient, MemoryLocalStore, type LocalStore, type MessageRecord } from '../src/index.ts'
import { FileLocalStore } from '../src/node/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'
import { faultySocket, type FaultySocket } from './faulty-socket.ts'
import { startOperatorProxy, type OperatorProxy } from './operator-proxy.ts'

let env: DevEnv
let proxy: OperatorProxy | undefined
const dirs: string[] = []
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  for (const c of env.clients) c.close()
  await proxy?.close()
  proxy = undefined
  await env.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A device registered and connected with these options (through a proxy, on a faulty socket, on a given store). */
async function device(userId: string, opts: { server?: string; store?: LocalStore; socket?: FaultySocket } = {}): Promise<CandorClient> {
  const o = { ...options(opts.server ?? env.server.url, opts.store ?? new MemoryLocalStore()), ...(opts.socket ? { webSocket: opts.socket.factory } : {}) }
  const c = await CandorClient.register(o, userId, `${userId}-device`)
  env.clients.push(c)
  await c.connect()
  return c
}

function errorsOf(c: CandorClient): string[] {
  const where: string[] = []
  c.on('error', (e) => where.push(e.where))
  return where
}

function pending(c: CandorClient): Promise<number> {
  return env.server.context.store.pendingCount(c.deviceId as never)
}

async function joined(c: CandorClient, conversation: string): Promise<void> {
  await waitFor(() => c.conversations().some((x) => x.id === conversation), `${c.userId} to join`)
}

const texts = (h: MessageRecord[]) => h.filter((m) => m.kind === undefined).map((m) => m.text)

describe('transient failures: kept, retried, nothing lost', () => {
  it('(a) the key directory unreachable while bob processes a commit: when it is back, bob has the commit and every later message, in order, once', async () => {
    let directoryDown = false
    proxy = await startOperatorProxy(env.server.url, (_m, u) =>
      directoryDown && u.pathname.startsWith('/v1/directory') ? { status: 503, body: { error: { code: 'unavailable', message: 'the directory is down' } } } : undefined,
    )
    const alice = await device('alice')
    const bob = await device('bob', { server: proxy.url })
    const carol = await device('carol')
    const conv = await alice.createConversation(['bob'])
    await joined(bob, conv)
    const first = nextMessage(bob, (m) => m.text === 'before')
    await alice.send(conv, 'before')
    await first
    const bobErrors = errorsOf(bob)

    // Bob's device must look carol up to accept the commit that adds her.
    directoryDown = true
    await alice.addMembers(conv, ['carol'])
    await joined(carol, conv)
    await alice.send(conv, 'after 1')
    await carol.send(conv, 'from carol')
    await alice.send(conv, 'after 2')
    await new Promise((r) => setTimeout(r, 1500))
    // Held, not acknowledged, not dropped: the commit and everything after it wait on the server.
    expect(bob.conversations().find((c) => c.id === conv)!.epoch).toBe(1)
    expect(texts(await bob.history(conv))).toEqual(['before'])
    // The commit, alice's "alice added carol" line and the three texts at least; the members'
    // delivered receipts (message-features.ts) come on top, as many as their batching made.
    expect(await pending(bob)).toBeGreaterThanOrEqual(5)
    expect(bobErrors.some((w) => /kept, to be retried/.test(w))).toBe(true)

    directoryDown = false
    await waitFor(async () => texts(await bob.history(conv)).length === 4, 'bob to catch up', 60_000)
    expect(texts(await bob.history(conv))).toEqual(['before', 'after 1', 'from carol', 'after 2'])
    expect(bob.conversations().find((c) => c.id === conv)!.epoch).toBe(2)
    expect((await bob.history(conv)).filter((m) => m.kind === 'undecryptable')).toEqual([])
    await waitFor(async () => (await pending(bob)) === 0, 'bob to acknowledge everything')

    // Bob is in step: carol reads what he sends.
    const back = nextMessage(carol, (m) => m.text === 'bob is back')
    await bob.send(conv, 'bob is back')
    expect((await back).from).toBe('bob')
  })

  it('(c) the device’s storage fails while a message is processed: it arrives later, once, in order', async () => {
    const home = mkdtempSync(join(tmpdir(), 'candor-bob-'))
    dirs.push(home)
    const alice = await device('alice')
    const bob = await device('bob', { store: new FileLocalStore(home) })
    const conv = await alice.directConversation('bob')
    await joined(bob, conv)
    const got: string[] = []
    bob.on('message', (m) => got.push(m.text))

    // The store's folders become files: every write fails (ENOTDIR, also for root), as on a failed disk.
    const broken = (sub: string) => {
      renameSync(join(home, sub), join(home, `${sub}.away`))
      writeFileSync(join(home, sub), '')
    }
    const mended = (sub: string) => {
      rmSync(join(home, sub))
      renameSync(join(home, `${sub}.away`), join(home, sub))
    }
    broken('kv')
    broken('logs')
    await alice.send(conv, 'one')
    await alice.send(conv, 'two')
    await new Promise((r) => setTimeout(r, 1200))
    expect(got).toEqual([])
    expect(await pending(bob)).toBe(2)

    mended('kv')
    mended('logs')
    await alice.send(conv, 'three')
    await waitFor(() => got.length === 3, 'the messages to arrive', 60_000)
    expect(got).toEqual(['one', 'two', 'three'])
    expect(texts(await bob.history(conv))).toEqual(['one', 'two', 'three'])
    await waitFor(async () => (await pending(bob)) === 0, 'bob to acknowledge everything')

    // What bob's device stored is whole: opened again from its folder, it goes on.
    bob.close()
    const again = (await CandorClient.open(options(env.server.url, new FileLocalStore(home))))!
    env.clients.push(again)
    await again.connect()
    expect(texts(await again.history(conv))).toEqual(['one', 'two', 'three'])
    const four = nextMessage(again, (m) => m.text === 'four')
    await alice.send(conv, 'four')
    await four
  })

  it('a delivery processed again after its acknowledgement was lost changes nothing', async () => {
    const socket = faultySocket()
    const bobStore = new MemoryLocalStore()
    const alice = await device('alice')
    const bob = await device('bob', { store: bobStore, socket })
    const carol = await device('carol')
    const conv = await alice.createConversation(['bob', 'carol'])
    await joined(bob, conv)
    await joined(carol, conv)
    await bob.sync()
    await waitFor(async () => (await pending(bob)) === 0, 'bob to acknowledge the welcome')

    socket.dropAcks = true
    await alice.send(conv, 'a')
    // A leave leaves its "carol left" line under its own id. The lowest remaining member
    // (alice) then commits carol's removal.
    await carol.leave(conv)
    await waitFor(async () => !(await bob.whoCanRead(conv)).some((r) => r.userId === 'carol'), 'carol to be removed')
    const last = nextMessage(bob, (m) => m.text === 'b')
    await alice.send(conv, 'b')
    await last
    await bob.sync()
    // Nothing since the acks were dropped was acknowledged: 'a', carol's leave, alice's commit and
    // 'b' all wait — and carol's delivered receipt for 'a' too, when her device sent it before it
    // left (it did once under load: 5, not 4; the count is not the test's to fix).
    expect(await pending(bob)).toBeGreaterThanOrEqual(4)

    // Bob's device restarts; the server pushes all four again.
    bob.close()
    socket.dropAcks = false
    const again = (await CandorClient.open({ ...options(env.server.url, bobStore), webSocket: socket.factory }))!
    env.clients.push(again)
    const errors = errorsOf(again)
    const shown: MessageRecord[] = []
    again.on('message', (m) => shown.push(m))
    await again.connect()
    await waitFor(async () => (await pending(again)) === 0, 'the redeliveries to be acknowledged')
    expect(shown).toEqual([])
    expect(errors).toEqual([])
    expect((await again.history(conv)).map((m) => m.kind ?? m.text)).toEqual(['a', 'left', 'b'])
    expect(again.conversations().find((c) => c.id === conv)!.epoch).toBe(2)
    // MLS state was not advanced twice: the next message decrypts.
    const c = nextMessage(again, (m) => m.text === 'c')
    await alice.send(conv, 'c')
    await c
  })
})

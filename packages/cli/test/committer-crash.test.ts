// The stuck committer: alice's `candor add` is killed (SIGKILL) after the server accepted her
// commit adding carol and before her device saved the new group state — the proxy in front of
// the server kills the process as the server's answer arrives. Everyone else moved to the new
// epoch. Run again, alice's device finds the commit it kept aside, learns from the server that
// it was accepted, and carries on: the conversation continues both ways.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CandorClient, MemoryLocalStore, type MessageRecord } from '@candor/sdk'
import { FileLocalStore, nodeWebSocket } from '@candor/sdk/node'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CANDOR_BIN, runCandor, startServerProcess, type ServerProcess } from './server-process.ts'
import { startCuttingProxy, type CuttingProxy } from '@candor/testkit/cutting-proxy'

const dir = mkdtempSync(join(tmpdir(), 'candor-committer-'))
const home = join(dir, 'alice')
let server: ServerProcess
let proxy: CuttingProxy | undefined
const clients: CandorClient[] = []

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  for (const c of clients) c.close()
  await proxy?.close()
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

async function sdkUser(userId: string): Promise<CandorClient> {
  const c = await CandorClient.register({ server: server.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket }, userId)
  clients.push(c)
  await c.connect()
  return c
}

async function alice(...args: string[]) {
  const r = await runCandor(['--server', server.url, '--home', home, ...args])
  expect(r.code, r.stderr).toBe(0)
  return r
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function next(c: CandorClient, text: string): Promise<MessageRecord> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${c.userId} did not get "${text}"`)), 20_000)
    const off = c.on('message', (m) => {
      if (m.text !== text) return
      clearTimeout(t)
      off()
      resolve(m)
    })
  })
}

describe('a committer killed between the server accepting its commit and saving it', () => {
  it('recovers on restart: the conversation continues both ways', async () => {
    await alice('register', 'alice')
    const bob = await sdkUser('bob')
    const carol = await sdkUser('carol')
    const conv = (await alice('create', 'bob')).stdout.trim()
    await waitFor(() => bob.conversations().some((c) => c.id === conv), 'bob to join')

    // `candor add` through the proxy; the answer to its commit kills it.
    let child: ReturnType<typeof spawn> | undefined
    proxy = await startCuttingProxy(server.url)
    proxy.cutNext({ method: 'POST', path: new RegExp(`^/v1/groups/${conv}/commits$`), cut: 'answer', onCut: () => child?.kill('SIGKILL') })
    child = spawn(process.execPath, [CANDOR_BIN, '--server', proxy.url, '--home', home, 'add', conv, 'carol'], { stdio: ['ignore', 'ignore', 'pipe'] })
    let childErr = ''
    child.stderr!.on('data', (d: Buffer) => (childErr += d.toString()))
    const exit = await new Promise<NodeJS.Signals | number | null>((resolve) => child!.once('exit', (code, signal) => resolve(signal ?? code)))
    expect(exit, childErr).toBe('SIGKILL')
    expect(proxy.fired).toEqual([`POST /v1/groups/${conv}/commits`])

    // The server accepted it: carol is in, bob moved on.
    await waitFor(() => carol.conversations().some((c) => c.id === conv), 'carol to join')
    await waitFor(() => bob.conversations().find((c) => c.id === conv)?.epoch === 2, 'bob to process the commit')
    // Alice's device had kept the commit's state aside; the state it saved is still the old one.
    expect(await new FileLocalStore(home).keys('pending-commit/')).toEqual([`pending-commit/${conv}`])

    // Bob writes while alice is away; alice runs again (straight to the server).
    await bob.send(conv, 'welcome carol')
    const read = await alice('read', '--json')
    const lines = read.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toEqual([expect.objectContaining({ from: 'bob', text: 'welcome carol', conversation: conv })])
    expect(await new FileLocalStore(home).keys('pending-commit/')).toEqual([])
    const groups = (await alice('groups', '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; epoch: number; members: string[] })
    expect(groups.find((g) => g.id === conv)).toMatchObject({ epoch: 2, members: ['alice', 'bob', 'carol'] })

    // And the other way: carol and bob read what alice sends.
    const atCarol = next(carol, 'hello both')
    const atBob = next(bob, 'hello both')
    await alice('send', conv, 'hello both')
    expect((await atCarol).from).toBe('alice')
    expect((await atBob).from).toBe('alice')
  })
})

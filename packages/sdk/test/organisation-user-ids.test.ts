// User ids of the form local@domain: two organisations may each have an "alice". Both register
// through a real server, are two different people everywhere (directory, MLS credentials,
// session tokens, routes with '@' in the path, the file-based device store), and talk.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CandorClient } from '../src/index.ts'
import { FileLocalStore } from '../src/node/index.ts'
import { nextMessage, options, startDevEnv, type DevEnv } from './dev-env.ts'

describe('user ids with an organisation domain', () => {
  let env: DevEnv
  let home: string
  beforeAll(async () => {
    env = await startDevEnv()
    home = mkdtempSync(join(tmpdir(), 'candor-org-home-'))
  })
  afterAll(async () => {
    await env.close()
    rmSync(home, { recursive: true, force: true })
  })

  it('alice@acme.example and alice@globex.example are two users who exchange messages', async () => {
    // One of them keeps her device in files, as the command line does.
    const acme = await env.user('alice@acme.example', new FileLocalStore(home))
    const globex = await env.user('alice@globex.example')
    expect(acme.deviceId).not.toBe(globex.deviceId)

    const conv = await acme.directConversation('alice@globex.example')
    const got = nextMessage(globex)
    await acme.send(conv, 'hello from acme')
    expect(await got).toMatchObject({ conversation: conv, from: 'alice@acme.example', text: 'hello from acme', direction: 'in' })
    const reply = nextMessage(acme)
    await globex.send(conv, 'hello from globex')
    expect(await reply).toMatchObject({ from: 'alice@globex.example', text: 'hello from globex' })

    // The verified MLS tree names each by her full id.
    const readers = await acme.whoCanRead(conv)
    expect(readers.map((r) => r.userId).sort()).toEqual(['alice@acme.example', 'alice@globex.example'])
    expect(readers.every((r) => r.devices.every((d) => d.verified))).toBe(true)
    expect((await acme.safetyNumber('alice@globex.example')).number).toEqual((await globex.safetyNumber('alice@acme.example')).number)

    // The file store names its files by escaped keys, never by a raw id with '@' or '/' in it,
    // and the device reopens from them.
    expect(readdirSync(join(home, 'kv')).every((n) => !n.includes('@') && !n.includes('/'))).toBe(true)
    acme.close()
    const reopened = (await CandorClient.open(options(env.server.url, new FileLocalStore(home))))!
    env.clients.push(reopened)
    expect(reopened.userId).toBe('alice@acme.example')
    await reopened.connect()
    expect((await reopened.history(conv)).map((m) => m.text)).toEqual(['hello from acme', 'hello from globex'])
  })

  it('a second alice in the same organisation is refused; an id that is not canonical is refused, not rewritten', async () => {
    await expect(env.user('alice@acme.example')).rejects.toMatchObject({ code: 'user_exists' })
    await expect(env.user('Alice@Acme.example')).rejects.toMatchObject({ code: 'bad_request' })
    await expect(env.user('alice@acme')).rejects.toMatchObject({ code: 'bad_request' })
    const c = env.clients.find((x) => x.userId === 'alice@globex.example')!
    await expect(c.directConversation('alice@ACME.example')).rejects.toMatchObject({ code: 'bad_request' })
  })
})

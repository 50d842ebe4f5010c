// History on a new device (docs/protocol.md §4.2): the approving device offers the history it
// holds, sealed to the new device's directory-proven key, uploaded in pieces with progress,
// from as far back as the person chose; the transfer is a signed consent record; the new device
// shows the records marked as transferred. Archives are the person's devices' alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FolderBlobStore } from '@candor/store-sqlite'
import { CandorClient, type HistoryProgress } from '../src/index.ts'
import { nextMessage, options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
let blobDir: string

beforeAll(async () => {
  blobDir = mkdtempSync(join(tmpdir(), 'candor-transfer-blobs-'))
  env = await startDevEnv({ blobs: await FolderBlobStore.open(blobDir) })
})
afterAll(async () => {
  await env.close()
  rmSync(blobDir, { recursive: true, force: true })
})

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; code: string | undefined }> {
  const res = await fetch(`${env.server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const text = await res.text()
  return { status: res.status, code: text.startsWith('{') ? (JSON.parse(text) as { error?: { code: string } }).error?.code : undefined }
}

describe('history transfer on approval', () => {
  it('sends the history from the chosen time on, with progress and a signed consent; the new device shows it as transferred', async () => {
    const alice = await env.user('alice')
    const bob = await env.user('bob')
    const conv = await alice.directConversation('bob')
    const old = nextMessage(bob, (m) => m.text === 'an old message')
    await alice.send(conv, 'an old message')
    await old
    await new Promise((r) => setTimeout(r, 20))
    const since = Date.now()
    const recent = nextMessage(alice, (m) => m.text === 'a recent one')
    await bob.send(conv, 'a recent one')
    await recent
    await alice.send(conv, 'and another')

    const laptop = await CandorClient.enrol(options(env.server.url), 'alice', 'laptop')
    env.clients.push(laptop)
    const approved = laptop.waitForApproval()
    const progress: HistoryProgress[] = []
    const r = await alice.approve(laptop.deviceId, { history: { since }, onProgress: (p) => progress.push(p) })
    await approved
    expect(r).toEqual({ transferred: 2 })
    const upload = progress.filter((p) => p.stage === 'uploading')
    expect(upload.at(-1)!.done).toBe(upload.at(-1)!.total)
    expect(progress.at(-1)).toEqual({ stage: 'done', done: 2, total: 2 })

    await laptop.connect()
    await waitFor(() => laptop.conversations().some((c) => c.id === conv), 'the laptop to join')
    const received = await laptop.receiveHistory()
    expect(received).toMatchObject({ archives: 1, messages: 2, conversations: [conv] })
    const shown = (await laptop.history(conv)).map((m) => [m.text, m.transferred ?? false])
    expect(shown).toEqual([
      ['a recent one', true],
      ['and another', true],
    ])
    // Received once: the archive is gone from the server.
    expect(await laptop.receiveHistory()).toMatchObject({ archives: 0, messages: 0 })
    // New messages arrive as usual, after the transferred ones.
    const live = nextMessage(laptop, (m) => m.text === 'welcome, laptop')
    await bob.send(conv, 'welcome, laptop')
    expect((await live).transferred).toBeUndefined()
    expect((await laptop.history(conv)).map((m) => m.text)).toEqual(['a recent one', 'and another', 'welcome, laptop'])

    const ledger = await laptop.consentLedger()
    expect(ledger.some((e) => e.record.purpose === 'history_transfer' && e.record.scope.startsWith(laptop.deviceId) && e.record.deviceId === alice.deviceId)).toBe(true)
  })

  it('keeps archives to the person’s own devices: others cannot create, read, write or delete them', async () => {
    const carol = await env.user('carol')
    const dave = await env.user('dave')
    const tablet = await CandorClient.enrol(options(env.server.url), 'carol', 'tablet')
    env.clients.push(tablet)
    const approved = tablet.waitForApproval()
    await carol.approve(tablet.deviceId)
    await approved
    const created = (await carol.api.authedJson('POST', '/v1/archives', { recipient: tablet.deviceId, size: 10 })) as { archiveId: string }
    const carolToken = await carol.api.token()
    const daveToken = await dave.api.token()
    // Dave: not to carol's devices, not carol's archive in any way.
    expect((await call('POST', '/v1/archives', daveToken, { recipient: tablet.deviceId, size: 10 })).code).toBe('forbidden')
    for (const [method, path] of [
      ['GET', `/v1/archives/${created.archiveId}/content`],
      ['POST', `/v1/archives/${created.archiveId}/complete`],
      ['DELETE', `/v1/archives/${created.archiveId}`],
    ] as const) {
      expect((await call(method, path, daveToken, method === 'POST' ? {} : undefined)).code, `${method} ${path}`).toBe('not_found')
    }
    // Carol's sending device may not read what it sealed to the tablet, nor send to itself or to a backup without a recovery key.
    expect((await call('GET', `/v1/archives/${created.archiveId}/content`, carolToken)).code).toBe('not_found')
    expect((await call('POST', '/v1/archives', carolToken, { recipient: carol.deviceId, size: 10 })).code).toBe('forbidden')
    expect((await call('POST', '/v1/archives', carolToken, { recipient: 'recovery', size: 10 })).code).toBe('forbidden')
    expect((await call('POST', '/v1/archives', carolToken, { recipient: 'nobody!', size: 10 })).code).toBe('bad_request')
    // The tablet may not write what carol's phone created; without a session, nothing.
    const tabletToken = await tablet.api.token()
    const put = await fetch(`${env.server.url}/v1/archives/${created.archiveId}?offset=0`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tabletToken}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(10),
    })
    expect(put.status).toBe(404)
    expect((await fetch(`${env.server.url}/v1/archives`)).status).toBe(401)
    // Once the tablet is revoked, it reads nothing, and what was sealed to it is gone.
    await carol.revoke(tablet.deviceId)
    expect((await call('GET', '/v1/archives', tabletToken)).code).toBe('device_revoked')
    expect(await env.store.accountRecovery().getArchive(created.archiveId)).toBeNull()
  })
})

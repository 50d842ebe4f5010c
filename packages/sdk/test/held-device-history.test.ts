// History for a held device (docs/protocol.md §4.2 "History for a held device"), through a real
// server and real clients: acme's policy holds new devices for an admin's approval. Mia approves
// her laptop asking for her history; while it is held nothing is sealed to it (no archive on the
// server, the laptop cannot even sign in). Once olive (acme's owner) approves it, mia's phone adds
// it to her conversations and sends the history, signed (a history_transfer consent; the archive
// signed by the phone inside its seal): the laptop shows the old conversations with their
// messages, marked transferred. A device olive declines gets nothing, and mia's wish is dropped.
// A phone that was away when the approval came sends the history at its next sync.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FolderBlobStore } from '@candor/store-sqlite'
import { DEFAULT_ORG_POLICY, type UserId } from '@candor/protocol'
import { CandorClient, MemoryLocalStore } from '../src/index.ts'
import { nextMessage, options, waitFor } from './dev-env.ts'
import { acquaint, code, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
const blobDir = mkdtempSync(join(tmpdir(), 'candor-held-history-blobs-'))
let olive: CandorClient
let nat: CandorClient
const reason = { why: 'support_request', case: 'DEV-7' } as const
const MIA = 'mia@acme.example'
const archivesFor = async (deviceId: string) =>
  (await o.env.server.context.store.accountRecovery().archivesOf(MIA as UserId)).filter((a) => a.recipient === deviceId)

beforeAll(async () => {
  o = await startOrgEnv({ blobs: await FolderBlobStore.open(blobDir) })
  olive = await o.person('olive@acme.example', 'acme')
  await o.root.admin.grant('olive@acme.example', 'owner')
  nat = await o.person('nat@acme.example', 'acme')
  await nat.connect()
  await olive.admin.setPolicy('acme', { ...DEFAULT_ORG_POLICY, devices: { ...DEFAULT_ORG_POLICY.devices, adminApproval: true } })
})
afterAll(async () => {
  await o.close()
  rmSync(blobDir, { recursive: true, force: true })
})

/** Mia's phone, in a conversation with nat holding two messages sent before any new device. */
async function miaWithHistory(store = new MemoryLocalStore()) {
  const mia = await CandorClient.register({ ...options(o.env.server.url), store }, MIA, 'phone', 'acme')
  o.env.clients.push(mia)
  await mia.connect()
  await acquaint(mia, nat)
  const conv = await mia.directConversation('nat@acme.example')
  const seen = nextMessage(mia, (m) => m.text === 'an old reply')
  await mia.send(conv, 'an old message')
  await nat.send(conv, 'an old reply')
  await seen
  return { mia, conv, store }
}

async function heldDevice(mia: CandorClient, name: string) {
  const d = await CandorClient.enrol(options(o.env.server.url), MIA, name)
  o.env.clients.push(d)
  expect(await mia.approve(d.deviceId, { history: { since: null } })).toEqual({ transferred: 0, held: true })
  return d
}

describe('history for a device held for an admin’s approval', () => {
  let mia: CandorClient
  let conv: string

  it('held: nothing is sealed to it; approved by an admin: it gets the history, signed, and shows the old messages', async () => {
    ;({ mia, conv } = await miaWithHistory())
    const laptop = await heldDevice(mia, 'laptop')
    // Before approval: no archive for it on the server, and it cannot sign in to ask for one.
    expect(await archivesFor(laptop.deviceId)).toEqual([])
    expect(await code(laptop.receiveHistory())).toBe('forbidden')
    expect((await mia.consentLedger()).some((e) => e.record.purpose === 'history_transfer' && e.record.scope.startsWith(laptop.deviceId))).toBe(false)

    const sent = new Promise<{ deviceId: string; transferred: number }>((resolve) => mia.on('held_history_sent', resolve))
    const approved = laptop.waitForApproval(60_000)
    await olive.admin.approveDevice('acme', laptop.deviceId, reason)
    await approved
    await laptop.connect()
    expect(await sent).toEqual({ deviceId: laptop.deviceId, transferred: 2 })

    // The laptop reads the history: the old conversation with its messages, marked transferred.
    const received = await laptop.receiveHistory()
    expect(received).toMatchObject({ archives: 1, messages: 2, conversations: [conv] })
    await waitFor(() => laptop.conversations().some((c) => c.id === conv), 'the laptop to join the conversation')
    expect((await laptop.history(conv)).map((m) => [m.from, m.text, m.transferred ?? false])).toEqual([
      [MIA, 'an old message', true],
      ['nat@acme.example', 'an old reply', true],
    ])
    // Signed: mia's consent to the transfer, by her phone, in her ledger.
    const ledger = await laptop.consentLedger()
    expect(ledger.some((e) => e.record.purpose === 'history_transfer' && e.record.scope.startsWith(laptop.deviceId) && e.record.deviceId === mia.deviceId)).toBe(true)
    // Sent once: nothing more for it.
    expect(await mia.sendHeldHistory(laptop.deviceId)).toBeNull()
    expect(await archivesFor(laptop.deviceId)).toEqual([])
  })

  it('a device the admin declines gets nothing; the wish is dropped', async () => {
    const tablet = await heldDevice(mia, 'tablet')
    await olive.admin.approveDevice('acme', tablet.deviceId, reason, 'decline')
    expect(await code(tablet.waitForApproval(1000))).toBe('device_revoked')
    expect(await mia.sendHeldHistory(tablet.deviceId)).toBeNull()
    expect(await archivesFor(tablet.deviceId)).toEqual([])
    expect((await mia.consentLedger()).some((e) => e.record.purpose === 'history_transfer' && e.record.scope.startsWith(tablet.deviceId))).toBe(false)
    // Dropped: asking again does nothing either.
    expect(await mia.sendHeldHistory(tablet.deviceId)).toBeNull()
  })

  it('the approving device away when the admin approves: it sends the history at its next sync', async () => {
    const store = new MemoryLocalStore()
    const kim = await CandorClient.register({ ...options(o.env.server.url), store }, 'kim@acme.example', 'phone', 'acme')
    o.env.clients.push(kim)
    await kim.connect()
    await acquaint(kim, nat)
    const c = await kim.directConversation('nat@acme.example')
    await kim.send(c, 'before the desktop')
    const desktop = await CandorClient.enrol(options(o.env.server.url), 'kim@acme.example', 'desktop')
    o.env.clients.push(desktop)
    expect(await kim.approve(desktop.deviceId, { history: { since: null } })).toEqual({ transferred: 0, held: true })
    kim.close()
    await olive.admin.approveDevice('acme', desktop.deviceId, reason)
    await desktop.waitForApproval(60_000)
    expect((await o.env.server.context.store.accountRecovery().archivesOf('kim@acme.example' as UserId)).length).toBe(0)
    // Back: the same device (its store) connects again and sends it.
    const again = (await CandorClient.open({ ...options(o.env.server.url), store }))!
    o.env.clients.push(again)
    const sent = new Promise<{ deviceId: string; transferred: number }>((resolve) => again.on('held_history_sent', resolve))
    await again.connect()
    expect(await sent).toEqual({ deviceId: desktop.deviceId, transferred: 1 })
    await desktop.connect()
    expect(await desktop.receiveHistory()).toMatchObject({ archives: 1, messages: 1, conversations: [c] })
    expect((await desktop.history(c)).map((m) => m.text)).toEqual(['before the desktop'])
  })
})

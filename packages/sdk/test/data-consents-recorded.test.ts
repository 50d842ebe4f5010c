// Consents recorded where they happen, through a real server: approving a device signs a
// device_enrolment consent, revoking it signs the withdrawal; adding a compliance archive to a
// conversation signs a compliance_archive consent by the person adding it, and every other
// member's device announces the archive (including a device that joins later), with each
// person's own consent or its absence. A record signed by a device the server lists but the
// key directory never proved is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import { deviceIdFromKey, toBase64Url, utf8, type UserId } from '@candor/protocol'
import { CandorClient, type ClientEvents } from '../src/index.ts'
import { options, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeAll(async () => {
  env = await startDevEnv()
})
afterAll(async () => env.close())

function collect<K extends 'archive'>(c: CandorClient, event: K): Array<ClientEvents[K]> {
  const seen: Array<ClientEvents[K]> = []
  c.on(event, (e) => seen.push(e))
  return seen
}

describe('consents recorded where they happen', () => {
  it('approving a device records the consent, revoking it records the withdrawal', async () => {
    const rae = await env.user('rae')
    const laptop = await CandorClient.enrol(options(env.server.url), 'rae', 'laptop')
    env.clients.push(laptop)
    const approved = laptop.waitForApproval()
    await rae.approve(laptop.deviceId)
    await approved
    await rae.revoke(laptop.deviceId)
    const ledger = await rae.consentLedger()
    expect(ledger.map((e) => [e.record.purpose, e.record.scope, e.record.state, e.record.deviceId])).toEqual([
      ['device_enrolment', laptop.deviceId, 'given', rae.deviceId],
      ['device_enrolment', laptop.deviceId, 'withdrawn', rae.deviceId],
    ])
  })

  it('adding a compliance archive records the adder’s consent; the other members see it, with their own consent or its absence', async () => {
    const ana = await env.user('ana')
    const bo = await env.user('bo')
    const cy = await env.user('cy')
    await env.user('archive.acme')
    const conv = await ana.createConversation(['bo'])
    await waitFor(() => bo.conversations().some((c) => c.id === conv), 'bo to join')
    const boSaw = collect(bo, 'archive')
    const anaSaw = collect(ana, 'archive')

    await ana.addMembers(conv, ['archive.acme'])
    await waitFor(() => boSaw.length > 0, 'bo to see the archive')
    expect(boSaw).toEqual([{ conversation: conv, userId: 'archive.acme' }])
    // The person who added it signed for it; their own device does not announce it back to them.
    expect(anaSaw).toEqual([])
    expect((await ana.consentLedger()).map((e) => [e.record.purpose, e.record.scope, e.record.state])).toEqual([['compliance_archive', conv, 'given']])
    expect(await ana.archiveConsents()).toEqual([{ conversation: conv, archives: ['archive.acme'], consent: 'given' }])
    expect(await bo.archiveConsents()).toEqual([{ conversation: conv, archives: ['archive.acme'], consent: 'none' }])
    // The key directory, not the name, says what an account is (docs/protocol.md §11.1): no policy names this one.
    expect((await bo.whoCanRead(conv)).find((r) => r.userId === 'archive.acme')).toMatchObject({ kind: 'person' })

    // A device that joins a conversation that already has an archive is told on joining.
    const cySaw = collect(cy, 'archive')
    await ana.addMembers(conv, ['cy'])
    await waitFor(() => cySaw.length > 0, 'cy to see the archive')
    expect(cySaw).toEqual([{ conversation: conv, userId: 'archive.acme' }])
    expect(boSaw).toHaveLength(1)

    // Bo gives consent himself; ana removes the archive, which records her withdrawal.
    await bo.consent('compliance_archive', conv, 'given')
    expect(await bo.archiveConsents()).toEqual([{ conversation: conv, archives: ['archive.acme'], consent: 'given' }])
    await ana.removeMembers(conv, ['archive.acme'])
    expect((await ana.consentLedger()).map((e) => e.record.state)).toEqual(['given', 'withdrawn'])
    expect(await ana.archiveConsents()).toEqual([])
  })

  it('records the consent when a conversation is created with an archive in it', async () => {
    const dee = await env.user('dee')
    await env.user('archive.corp')
    const conv = await dee.createConversation(['archive.corp'])
    expect((await dee.consentLedger()).map((e) => [e.record.purpose, e.record.scope, e.record.state])).toEqual([['compliance_archive', conv, 'given']])
  })

  it('refuses a record signed by a device the server lists but the key directory never proved', async () => {
    const eli = await env.user('eli')
    await eli.consent('contact_discovery', 'address-book', 'given')
    // Someone with the server's database adds a device to eli's account and signs a consent with it.
    const k = generateDeviceKey()
    const store = env.server.context.store
    const deviceId = deviceIdFromKey(k.publicKey)
    await store.addDevice({ deviceId, userId: 'eli' as UserId, name: 'planted', publicKey: k.publicKey, status: 'active', createdAt: Date.now() })
    expect((await eli.devices()).map((d) => d.deviceId)).toContain(deviceId)
    const text = JSON.stringify({ v: 1, id: toBase64Url(new Uint8Array(16)), userId: 'eli', deviceId, deviceKey: toBase64Url(k.publicKey), purpose: 'support_access', scope: 'all', state: 'given', controller: 'c', at: 1 })
    await store.appendConsent('eli' as UserId, text, signDetached(k.secretKey, utf8(text)), 1)
    await expect(eli.consentLedger()).rejects.toMatchObject({ code: 'receipt_invalid' })
  })
})

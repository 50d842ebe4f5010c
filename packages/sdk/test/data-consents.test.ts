// The consent ledger: records signed by the person's devices, shared by all of them, checked
// on reading, exported with the account; a record the person's devices never signed is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import { fromUtf8, toBase64Url, utf8, type UserId } from '@candor/protocol'
import { CandorClient, currentConsents, type BagFile } from '../src/index.ts'
import { options, startDevEnv, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeAll(async () => {
  env = await startDevEnv()
})
afterAll(async () => env.close())

describe('consent ledger', () => {
  it('records given and withdrawn consents, visible to every device of the person, and exports them', async () => {
    const pia = await env.user('pia')
    const tablet = await CandorClient.enrol(options(env.server.url), 'pia', 'tablet')
    env.clients.push(tablet)
    const approved = tablet.waitForApproval()
    // Approving the tablet records pia's device_enrolment consent by itself.
    await pia.approve(tablet.deviceId)
    await approved
    await tablet.consent('contact_discovery', 'address-book', 'given')
    await pia.consent('contact_discovery', 'address-book', 'withdrawn')
    const ledger = await tablet.consentLedger()
    expect(ledger.map((e) => [e.record.purpose, e.record.state, e.record.deviceId])).toEqual([
      ['device_enrolment', 'given', pia.deviceId],
      ['contact_discovery', 'given', tablet.deviceId],
      ['contact_discovery', 'withdrawn', pia.deviceId],
    ])
    expect(currentConsents(ledger).map((r) => `${r.purpose}:${r.state}`)).toEqual(['device_enrolment:given', 'contact_discovery:withdrawn'])
    const files: BagFile[] = await pia.exportData()
    const lines = fromUtf8(files.find((f) => f.path === 'data/consents.jsonl')!.bytes).trim().split('\n')
    expect(lines).toHaveLength(3)
    expect(JSON.parse(JSON.parse(lines[0]!).record)).toMatchObject({ purpose: 'device_enrolment', scope: tablet.deviceId })
    expect(await pia.api.token()).toBeTruthy()
  })

  it('refuses to send a record for someone else, and refuses to show one no device of the person signed', async () => {
    const quin = await env.user('quin')
    // The server only takes records signed by the sending device for its own account.
    const forged = JSON.stringify({ v: 1, id: toBase64Url(new Uint8Array(16)), userId: 'pia', deviceId: quin.deviceId, deviceKey: toBase64Url(new Uint8Array(32)), purpose: 'data_export', scope: 'x', state: 'given', controller: 'c', at: 1 })
    const res = await fetch(`${env.server.url}/v1/consents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await quin.api.token()}` },
      body: JSON.stringify({ record: forged, signature: toBase64Url(new Uint8Array(64)) }),
    })
    expect(res.status).toBe(403)
    // A record planted in storage (say, by someone with database access) is caught on reading.
    const k = generateDeviceKey()
    const text = JSON.stringify({ v: 1, id: toBase64Url(new Uint8Array(16)), userId: 'quin', deviceId: quin.deviceId, deviceKey: toBase64Url(k.publicKey), purpose: 'support_access', scope: 'all', state: 'given', controller: 'c', at: 1 })
    await env.server.context.store.appendConsent('quin' as UserId, text, signDetached(k.secretKey, utf8(text)), 1)
    await expect(quin.consentLedger()).rejects.toMatchObject({ code: 'receipt_invalid' })
  })
})

// The admin API through real clients: the first admin enrols with the one-time token, admin
// rights are checked on every call, and every inspection, export and suspension leaves a
// receipt the person concerned reads on their own device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CandorError } from '@candor/protocol'
import { startDevEnv, type DevEnv } from './dev-env.ts'
import type { CandorClient } from '../src/index.ts'

let env: DevEnv
let root: CandorClient
let ivy: CandorClient
const reason = { why: 'support_request', case: 'T-100' } as const

beforeAll(async () => {
  env = await startDevEnv()
  root = await env.user('root')
  ivy = await env.user('ivy')
})
afterAll(async () => env.close())

async function code(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (err: unknown) => err)
  return e instanceof CandorError ? e.code : `no error (${String(e)})`
}

describe('admin API', () => {
  it('enrols the first admin once, with the token only', async () => {
    const token = (await env.server.context.admins.enrolmentToken())!
    expect(token).toMatch(/^adm-/)
    expect(await code(root.admin.me())).toBe('forbidden')
    expect(await code(root.admin.enrol(`${token.slice(0, -2)}xx`))).toBe('forbidden')
    expect(await root.admin.enrol(token, 'candor-ops')).toMatchObject({ userId: 'root', role: 'operator', org: 'candor-ops', grantedBy: null })
    expect(await code(ivy.admin.enrol(token))).toBe('forbidden')
    expect(await env.server.context.admins.enrolmentToken()).toBeNull()
  })

  it('checks admin rights on every call', async () => {
    expect(await code(ivy.admin.user('root', reason))).toBe('forbidden')
    expect(await code(ivy.admin.devices('root', reason))).toBe('forbidden')
    expect(await code(ivy.admin.exportMetadata('root', reason))).toBe('forbidden')
    expect(await code(ivy.admin.suspendDevice(root.deviceId, reason))).toBe('forbidden')
    expect(await code(ivy.admin.grant('ivy', 'operator'))).toBe('forbidden')
    expect(await ivy.accessReceipts()).toEqual([])
    expect(await root.accessReceipts()).toEqual([])
  })

  it('leaves a receipt to the person for each inspection and export', async () => {
    await ivy.observeAccessLog()
    const user = await root.admin.user('ivy', reason)
    expect(user).toMatchObject({ userId: 'ivy', conversations: 0 })
    expect(user.devices.map((d) => d.deviceId)).toEqual([ivy.deviceId])
    expect((await root.admin.devices('ivy', { why: 'abuse_report', case: 'AB-9' })).map((d) => d.status)).toEqual(['active'])
    const exported = await root.admin.exportMetadata('ivy', { why: 'subject_request', case: 'DSAR-1' })
    expect(exported.keyPackages[0]!.oneTime).toBeGreaterThan(0)
    const receipts = (await ivy.accessReceipts()).map((r) => r.receipt!)
    expect(receipts.map((r) => [r.why.code, r.why.caseRef, r.what.categories])).toEqual([
      ['support_request', 'T-100', ['account_metadata', 'device_list']],
      ['abuse_report', 'AB-9', ['device_list']],
      ['subject_request', 'DSAR-1', ['account_metadata', 'device_list', 'group_membership', 'queue', 'key_packages']],
    ])
    for (const r of receipts) expect(r.accessor).toMatchObject({ role: 'operator', org: 'candor-ops' })
    expect(new Set(receipts.map((r) => r.accessor.pseudonym)).size).toBe(1)
    expect(await root.accessReceipts()).toEqual([])
  })

  it('refuses a call without a justification, and a delayed notice outside holds and investigations', async () => {
    const before = (await ivy.accessReceipts()).length
    expect(await code(root.admin.user('ivy', { why: 'nosy' as 'support_request', case: 'x' }))).toBe('bad_request')
    expect(await code(root.admin.user('ivy', { why: 'support_request', case: '' }))).toBe('bad_request')
    expect(await code(root.admin.user('ivy', { ...reason, delayUntil: Date.now() + 1000 }))).toBe('bad_request')
    expect((await ivy.accessReceipts()).length).toBe(before)
  })

  it('suspends a device after logging the receipt; the device is out at once', async () => {
    const jay = await env.user('jay')
    const suspended = await root.admin.suspendDevice(jay.deviceId, { why: 'security_investigation', case: 'SEC-3' })
    expect(suspended.status).toBe('revoked')
    expect(await code(jay.api.myDevices())).toBe('device_revoked')
    const leaves = await env.server.context.store.accessLeavesOf('jay' as never, Date.now())
    expect(leaves).toHaveLength(1)
    // Sealed to the device while it was active, so its key still opens the receipt.
    expect(JSON.parse(new TextDecoder().decode(leaves[0]!.envelope)).copies[0].device).toBe(jay.deviceId)
  })

  it('lets an operator grant admin rights; the grantee acts under their own pseudonym', async () => {
    expect(await root.admin.grant('ivy', 'support')).toMatchObject({ userId: 'ivy', role: 'support', grantedBy: 'root' })
    await ivy.admin.devices('root', { why: 'account_recovery', case: 'R-1' })
    const [r] = (await root.accessReceipts()).map((x) => x.receipt!)
    expect(r!.accessor.role).toBe('support')
    expect(r!.accessor.pseudonym).toBe(env.server.context.access.pseudonym('ivy' as never))
    expect(await code(ivy.admin.grant('jay', 'operator'))).toBe('forbidden')
  })
})

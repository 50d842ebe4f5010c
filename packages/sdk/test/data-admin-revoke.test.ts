// Revoking admin rights through the admin API: operators only, never the last operator, through
// the access gate (a receipt to the person whose rights go), and the revoked admin's next call
// is refused because rights are looked up on every call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CandorError } from '@candor/protocol'
import { startDevEnv, type DevEnv } from './dev-env.ts'
import type { CandorClient } from '../src/index.ts'

let env: DevEnv
let root: CandorClient
let kim: CandorClient
let lou: CandorClient

beforeAll(async () => {
  env = await startDevEnv()
  root = await env.user('root')
  kim = await env.user('kim')
  lou = await env.user('lou')
  await root.admin.enrol((await env.server.context.admins.enrolmentToken())!, 'ops')
})
afterAll(async () => env.close())

async function code(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (err: unknown) => err)
  return e instanceof CandorError ? e.code : `no error (${String(e)})`
}

describe('revoking admin rights', () => {
  it('takes a support admin’s rights away after logging a receipt to them; their next call is forbidden', async () => {
    await root.admin.grant('kim', 'support')
    expect(await kim.admin.user('lou', { why: 'support_request', case: 'T-1' })).toMatchObject({ userId: 'lou' })
    // Only operators revoke, and a support admin cannot revoke anyone.
    expect(await code(kim.admin.revoke('root', { why: 'security_investigation', case: 'SEC-1' }))).toBe('forbidden')
    expect(await code(lou.admin.revoke('kim', { why: 'security_investigation', case: 'SEC-1' }))).toBe('forbidden')
    expect(await code(root.admin.revoke('kim', { why: 'nosy' as 'support_request', case: 'x' }))).toBe('bad_request')
    expect(await kim.accessReceipts()).toEqual([])

    const rec = await root.admin.revoke('kim', { why: 'security_investigation', case: 'SEC-2' })
    expect(rec).toMatchObject({ userId: 'kim', role: 'support' })
    expect(await code(kim.admin.user('lou', { why: 'support_request', case: 'T-2' }))).toBe('forbidden')
    expect(await code(kim.admin.me())).toBe('forbidden')
    const receipts = (await kim.accessReceipts()).map((r) => r.receipt!)
    expect(receipts).toHaveLength(1)
    expect(receipts[0]).toMatchObject({ what: { categories: ['account_metadata'], resources: ['admin:kim'] }, why: { code: 'security_investigation', caseRef: 'SEC-2' }, accessor: { role: 'operator', org: 'ops' } })
    expect(await code(root.admin.revoke('kim', { why: 'security_investigation', case: 'SEC-3' }))).toBe('not_found')
  })

  it('never removes the last operator, and a refused revocation leaves no receipt', async () => {
    expect(await code(root.admin.revoke('root', { why: 'support_request', case: 'T-3' }))).toBe('conflict')
    expect(await root.admin.me()).toMatchObject({ role: 'operator' })
    expect(await root.accessReceipts()).toEqual([])
    // With a second operator, one may revoke the other (and then that one is the last).
    await root.admin.grant('lou', 'operator')
    await lou.admin.revoke('root', { why: 'account_recovery', case: 'HANDOVER-1' })
    expect(await code(root.admin.me())).toBe('forbidden')
    expect(await code(lou.admin.revoke('lou', { why: 'support_request', case: 'T-4' }))).toBe('conflict')
    expect((await root.accessReceipts()).map((r) => r.receipt!.why.caseRef)).toEqual(['HANDOVER-1'])
  })
})

// The history of an organisation's policy for its admins (the admin console's diff between
// versions): the list of versions, and each version checked on the admin's device — its signature
// by the pinned access-log key and its audit-log proof — before it is compared. A server that
// serves a version it did not sign and log, or another version than the one asked for, is refused
// (`policy_invalid`); tampering is done by a real HTTP proxy between the client and the server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DEFAULT_ORG_POLICY, policyDiff, type OrgPolicy, type OrgPolicyResponse } from '@candor/protocol'
import { CandorClient } from '../src/index.ts'
import { options } from './dev-env.ts'
import { code, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let olive: CandorClient
let proxy: Server
let proxyUrl: string
/** Rewrites the answer of GET …/policy/versions/:v on its way through the proxy (null: untouched). */
let rewrite: ((r: OrgPolicyResponse) => OrgPolicyResponse) | null = null
/** The server's own answers to GET …/policy/versions/:v, by version, as they passed. */
const seen = new Map<number, OrgPolicyResponse>()

const v1: OrgPolicy = { ...DEFAULT_ORG_POLICY, devices: { ...DEFAULT_ORG_POLICY.devices, maxPerPerson: 4 } }
const v2: OrgPolicy = { ...v1, devices: { ...v1.devices, maxPerPerson: 2 }, approvals: { required: ['devices.suspend'], validHours: 8 } }

beforeAll(async () => {
  o = await startOrgEnv()
  const target = o.env.server.url
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const headers: Record<string, string> = {}
      for (const h of ['content-type', 'authorization']) if (req.headers[h]) headers[h] = String(req.headers[h])
      const body = chunks.length ? Buffer.concat(chunks) : undefined
      void fetch(target + req.url!, { method: req.method!, headers, ...(body ? { body } : {}) }).then(async (r) => {
        let text = await r.text()
        const version = /\/policy\/versions\/(\d+)$/.exec(req.url!)?.[1]
        if (version && r.ok) {
          seen.set(Number(version), JSON.parse(text) as OrgPolicyResponse)
          if (rewrite) text = JSON.stringify(rewrite(JSON.parse(text) as OrgPolicyResponse))
        }
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' })
        res.end(text)
      })
    })
  })
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  olive = await CandorClient.register(options(proxyUrl), 'olive@acme.example', 'olive-laptop', 'acme')
  o.env.clients.push(olive)
  await o.root.admin.grant('olive@acme.example', 'owner')
})
afterAll(async () => {
  await new Promise((r) => proxy.close(r))
  await o.close()
})

describe('policy versions', () => {
  it('lists the versions newest first; each is verified; the diff names the fields changed', async () => {
    expect((await olive.admin.policyVersions('acme')).versions).toEqual([])
    expect((await olive.admin.policyVersion('acme', 0)).policy).toEqual(DEFAULT_ORG_POLICY)
    await olive.admin.setPolicy('acme', v1)
    await olive.admin.setPolicy('acme', v2)
    const { versions } = await olive.admin.policyVersions('acme')
    expect(versions.map((v) => [v.version, v.createdBy])).toEqual([
      [2, 'olive@acme.example'],
      [1, 'olive@acme.example'],
    ])
    const [a, b] = [await olive.admin.policyVersion('acme', 1), await olive.admin.policyVersion('acme', 2)]
    expect([a.version, a.policy, b.version, b.policy]).toEqual([1, v1, 2, v2])
    expect(a.auditIndex).toBe(versions[1]!.auditIndex)
    expect(policyDiff(a.policy, b.policy)).toEqual([
      { path: 'devices.maxPerPerson', before: 4, after: 2 },
      { path: 'approvals.required', before: [], after: ['devices.suspend'] },
      { path: 'approvals.validHours', before: 24, after: 8 },
    ])
    expect(await code(olive.admin.policyVersion('acme', 3))).toBe('not_found')
  })

  it('refuses a version the server did not sign and log, or another version than the one asked for', async () => {
    // The first test read both versions through the proxy: the server's own answers.
    const [one, two] = [seen.get(1)!, seen.get(2)!]
    expect([one.version, two.version]).toEqual([1, 2])
    const cases: Array<[string, (r: OrgPolicyResponse) => OrgPolicyResponse]> = [
      ['a flipped signature byte', (r) => ({ ...r, note: r.note!.slice(0, -6) + (r.note!.at(-6) === 'A' ? 'B' : 'A') + r.note!.slice(-5) })],
      ['the text changed under the signature', (r) => ({ ...r, note: r.note!.replace('"maxPerPerson":4', '"maxPerPerson":40') })],
      ['no log proof', (r) => ({ ...r, proof: null })],
      ['version 2 served for version 1', () => two],
      ['version 1’s note with version 2’s proof', () => ({ ...one, proof: two.proof })],
      ['a proof path that does not lead to the signed root', (r) => ({ ...r, proof: { ...r.proof!, path: r.proof!.path.slice(1) } })],
    ]
    for (const [what, f] of cases) {
      rewrite = f
      expect(`${what}: ${await code(olive.admin.policyVersion('acme', 1))}`).toBe(`${what}: policy_invalid`)
    }
    rewrite = null
    expect((await olive.admin.policyVersion('acme', 1)).policy).toEqual(v1)
  })

  it('a member, and another organisation’s owner, read no version; a support admin of acme does (org.read)', async () => {
    const mia = await o.person('mia@acme.example', 'acme')
    const gail = await o.person('gail@globex.example', 'globex')
    await o.root.admin.grant('gail@globex.example', 'owner')
    const sam = await o.person('sam@acme.example', 'acme')
    await o.root.admin.grant('sam@acme.example', 'support')
    expect(await code(mia.admin.policyVersions('acme'))).toBe('forbidden')
    expect(await code(mia.admin.policyVersion('acme', 1))).toBe('forbidden')
    expect(await code(gail.admin.policyVersions('acme'))).toBe('not_found')
    expect(await code(gail.admin.policyVersion('acme', 1))).toBe('not_found')
    expect((await sam.admin.policyVersion('acme', 2)).version).toBe(2)
  })
})

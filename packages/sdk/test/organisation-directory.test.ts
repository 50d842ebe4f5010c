// The key directory binds each person to their organisation: a contact's organisation comes
// from the same lookup proof as their keys, so a server that shows one person another
// organisation for a contact is caught. A malicious operator's proxy before the real server
// rewrites bob's entry in the lookup answers alice gets: globex becomes acme.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeDirectoryValue, encodeDirectoryValue, fromBase64Url, toBase64Url } from '@candor/protocol'
import { commit, decodeLookupProof, encodeLookupProof, labelBytes, type LookupProof } from '@candor/transparency'
import { CandorClient } from '../src/index.ts'
import { options } from './dev-env.ts'
import { startOperatorProxy, type OperatorProxy } from './operator-proxy.ts'
import { code, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
let proxy: OperatorProxy
let alice: CandorClient
let mallory: CandorClient
let tamper: 'none' | 'value' | 'value-and-commitment' = 'none'

/** Bob's entry with `org` changed; with `recommit`, its commitment recomputed under the same opening. */
function forged(userId: string, proof: LookupProof, org: string, recommit: boolean): LookupProof {
  const latest = proof.latest!
  const value = decodeDirectoryValue(latest.value!)!
  if (value.v !== 2) throw new Error('expected a v2 entry')
  const next = encodeDirectoryValue({ ...value, org })
  const commitment = recommit ? commit(latest.opening!, labelBytes(userId)!, latest.version, next) : latest.commitment
  return { ...proof, latest: { ...latest, value: next, commitment } }
}

beforeAll(async () => {
  o = await startOrgEnv()
  await o.person('bob@globex.example', 'globex')
  mallory = await o.person('mallory@acme.example', 'acme')
  proxy = await startOperatorProxy(o.env.server.url, async (method, url) => {
    const bob = '/v1/directory/lookup/bob%40globex.example'
    if (tamper === 'none' || method !== 'GET' || url.pathname !== bob || url.search !== '') return undefined
    // The operator takes the real, signed answer and changes only bob's organisation in it.
    const real = await mallory.api.directoryLookup('bob@globex.example')
    const proof = decodeLookupProof(fromBase64Url(real.proof))!
    return { status: 200, body: { checkpoint: real.checkpoint, proof: toBase64Url(encodeLookupProof(forged('bob@globex.example', proof, 'acme', tamper === 'value-and-commitment'))) } }
  })
  alice = await CandorClient.register(options(proxy.url), 'alice@acme.example', 'alice-device', 'acme')
  o.env.clients.push(alice)
})
afterAll(async () => {
  await proxy.close()
  await o.close()
})

describe('a contact’s organisation, proven by the key directory', () => {
  it('shows bob’s organisation next to the safety number, from the lookup proof', async () => {
    const s = await alice.safetyNumber('bob@globex.example')
    expect(s.organisation).toBe('globex')
    expect(s.number).toMatch(/^[\d ]+$/)
    expect(await alice.organisationOf('alice@acme.example')).toBe('acme')
  })

  it('refuses an answer whose entry names another organisation than the one the directory committed to', async () => {
    tamper = 'value'
    expect(await code(alice.safetyNumber('bob@globex.example'))).toBe('directory_proof_invalid')
    expect(await code(alice.organisationOf('bob@globex.example'))).toBe('directory_proof_invalid')
    // Recomputing the commitment does not help: the directory's signed tree holds the real one.
    tamper = 'value-and-commitment'
    expect(await code(alice.safetyNumber('bob@globex.example'))).toBe('directory_proof_invalid')
    tamper = 'none'
    expect((await alice.safetyNumber('bob@globex.example')).organisation).toBe('globex')
  })
})

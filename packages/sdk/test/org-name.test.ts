// The name of a person's own organisation (protocol.md §4.9 "The organisation's name"): served as
// its `org.create` audit entry with an inclusion proof, shown by clients only once that checks
// out against the pinned access-log key. A person of acme gets "Acme Ltd"; a person of `default`
// (whose log does not begin with its creation) gets no name, so clients show the id; an answer
// with a forged entry, another organisation's creation, another entry or a wrong proof is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CandorError, type OwnOrganisationResponse } from '@candor/protocol'
import { SIG_TYPE_ED25519, formatVerifierKey } from '@candor/transparency'
import type { CandorClient } from '../src/index.ts'
import { verifyOrganisation } from '../src/data/org-name-verify.ts'
import { startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
beforeAll(async () => {
  o = await startOrgEnv()
})
afterAll(async () => {
  await o.close()
})

const codeOf = (f: () => unknown) => {
  try {
    f()
    return 'ok'
  } catch (e) {
    return e instanceof CandorError ? e.code : String(e)
  }
}

describe('the organisation’s name, proven by its first audit entry', () => {
  let ann: CandorClient

  it('a member of acme gets its name; a person of default gets none (the id is shown)', async () => {
    ann = await o.person('ann@acme.example', 'acme')
    expect(await ann.organisation()).toEqual({ org: 'acme', name: 'Acme Ltd' })
    const dan = await o.env.user('dan')
    expect(await dan.organisation()).toEqual({ org: 'default', name: null })
  })

  it('refuses a forged name, another organisation’s creation, another entry and a broken proof', async () => {
    const key = (await o.env.server.context.access.log.info()).verifierKey
    const real = (await o.env.server.context.audit.prove('acme' as never, 0))!
    const good: OwnOrganisationResponse = { org: 'acme', created: { index: 0, ...real } }
    expect(verifyOrganisation(good, key)).toEqual({ org: 'acme', name: 'Acme Ltd' })
    const forged = { ...good, created: { ...good.created!, entry: good.created!.entry.replace('Acme Ltd', 'Evil Ltd') } }
    expect(codeOf(() => verifyOrganisation(forged, key))).toBe('policy_invalid')
    const globex = (await o.env.server.context.audit.prove('globex' as never, 0))!
    expect(codeOf(() => verifyOrganisation({ org: 'acme', created: { index: 0, ...globex } }, key))).toBe('policy_invalid')
    // acme's second entry (domain.add), passed off as the first: its proof is for index 1.
    const second = (await o.env.server.context.audit.prove('acme' as never, 1))!
    expect(codeOf(() => verifyOrganisation({ org: 'acme', created: { index: 0, ...second } }, key))).toBe('policy_invalid')
    const cut = { ...good, created: { ...good.created!, path: good.created!.path.slice(1) } }
    expect(codeOf(() => verifyOrganisation(cut, key))).toBe('policy_invalid')
    // Another key (the directory's) signs nothing of acme's.
    const wrong = formatVerifierKey('candor/access-log', SIG_TYPE_ED25519, o.env.server.context.directory.directory.signingPublicKey)
    expect(codeOf(() => verifyOrganisation(good, wrong))).toBe('policy_invalid')
  })
})

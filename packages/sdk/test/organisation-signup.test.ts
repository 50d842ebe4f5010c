// Where a new person belongs: a user id on a verified domain only through that organisation's
// sign-up; the same local name in two organisations is two people, each bound to their
// organisation by the key directory; guests belong to none; a closed sign-up lets no one in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UserId } from '@candor/protocol'
import { CandorClient } from '../src/index.ts'
import { options } from './dev-env.ts'
import { code, refusal, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
beforeAll(async () => {
  o = await startOrgEnv()
})
afterAll(async () => o.close())

const store = () => o.env.server.context.store
const exists = (u: string) => store().userExists(u as UserId)

describe('signing up into an organisation', () => {
  it('alice@acme.example cannot come in through default’s open sign-up, nor through globex’s', async () => {
    const refused = { code: 'forbidden', message: 'acme.example is a verified domain of another organisation: sign up through that organisation' }
    expect(await refusal(o.person('alice@acme.example'))).toEqual(refused)
    expect(await refusal(o.person('alice@acme.example', 'globex'))).toEqual(refused)
    expect(await exists('alice@acme.example')).toBe(false)
    // The directory never heard of her either.
    expect(await o.root.verifiedDevices('alice@acme.example')).toEqual([])
    const alice = await o.person('alice@acme.example', 'acme')
    expect(await store().membershipOf(alice.userId as UserId)).toEqual({ userId: 'alice@acme.example', org: 'acme', guest: false })
  })

  it('the same local name in two organisations is two people, each bound to their organisation by the directory', async () => {
    const acme = await o.person('lee@acme.example', 'acme')
    const globex = await o.person('lee@globex.example', 'globex')
    expect(acme.deviceId).not.toBe(globex.deviceId)
    const seenByAcme = await acme.safetyNumber('lee@globex.example')
    const seenByGlobex = await globex.safetyNumber('lee@acme.example')
    expect(seenByAcme.organisation).toBe('globex')
    expect(seenByGlobex.organisation).toBe('acme')
    expect(seenByAcme.number).toBe(seenByGlobex.number)
    expect(await acme.organisationOf('lee@acme.example')).toBe('acme')
    // An id without a domain, and one of a domain no organisation verified, go where they signed up.
    expect(await (await o.person('lee')).organisationOf('lee')).toBe('default')
    expect(await (await o.person('lee@elsewhere.example', 'globex')).organisationOf('lee@elsewhere.example')).toBe('globex')
  })

  it('a guest sign-up makes guests: hosted by the organisation, of no organisation in the directory, holding no role', async () => {
    await o.root.admin.createOrganisation('guesthouse', 'Guest House', 'guests')
    const gus = await o.person('gus', 'guesthouse')
    expect(await store().membershipOf('gus' as UserId)).toEqual({ userId: 'gus', org: 'guesthouse', guest: true })
    expect((await o.root.safetyNumber('gus')).organisation).toBeNull()
    expect(await code(o.root.admin.grant('gus', 'support'))).toBe('forbidden')
    expect(await store().getAdmin('gus' as UserId)).toBeNull()
  })

  it('a closed sign-up, or an organisation that does not exist, lets no one in and changes nothing', async () => {
    const closed = await o.root.admin.setSignup('default', 'closed')
    expect(closed).toMatchObject({ id: 'default', signup: 'closed' })
    expect(await refusal(o.person('newbie'))).toEqual({ code: 'forbidden', message: 'sign-up to the organisation default is closed' })
    expect(await refusal(o.person('newbie', 'no-such-org'))).toEqual({ code: 'forbidden', message: 'sign-up to the organisation no-such-org is closed' })
    expect(await code(o.person('newbie', 'Not An Org'))).toBe('bad_request')
    expect(await exists('newbie')).toBe(false)
    // An organisation created without a sign-up mode starts closed.
    expect((await o.root.admin.createOrganisation('initech', 'Initech')).signup).toBe('closed')
    expect(await code(o.person('peter', 'initech'))).toBe('forbidden')
    await o.root.admin.setSignup('default', 'open')
    expect((await o.person('newbie')).userId).toBe('newbie')
  })

  it('verifying a domain: one organisation per domain; people who signed up with it elsewhere before stay there', async () => {
    await o.person('early@initrode.example')
    await o.root.admin.createOrganisation('initrode', 'Initrode', 'open')
    expect(await o.root.admin.addDomain('initrode', 'initrode.example')).toMatchObject({ organisation: { domains: ['initrode.example'] }, elsewhere: 1 })
    expect(await refusal(o.root.admin.addDomain('globex', 'initrode.example'))).toEqual({ code: 'conflict', message: 'initrode.example is a verified domain of another organisation' })
    expect(await code(o.root.admin.addDomain('no-such-org', 'x.example'))).toBe('not_found')
    expect(await code(o.root.admin.addDomain('initrode', 'Not A Domain'))).toBe('bad_request')
    expect((await o.root.safetyNumber('early@initrode.example')).organisation).toBe('default')
    expect(await code(o.person('late@initrode.example'))).toBe('forbidden')
    expect(await code(o.root.admin.createOrganisation('initrode', 'Again'))).toBe('conflict')
  })

  it('the operator can start a server with default’s sign-up closed (`candor serve --no-open-signup`)', async () => {
    const { startDevEnv } = await import('./dev-env.ts')
    const closed = await startDevEnv({ defaultSignup: 'closed' })
    try {
      expect(await code(CandorClient.register(options(closed.server.url), 'someone'))).toBe('forbidden')
      expect(await closed.server.context.store.userExists('someone' as UserId)).toBe(false)
    } finally {
      await closed.close()
    }
  })
})

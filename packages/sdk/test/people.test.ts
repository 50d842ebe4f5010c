// Finding people (GET /v1/people) through a real server, as those who must and must not see
// whom: a member finds their own organisation's members by user id prefix — never another
// organisation's, never its guests; a guest lists nobody; no session, nothing; bad prefixes
// are refused. Display names travel end to end and are found on the device only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataApi } from '../src/data/data-api.ts'
import { peopleResponse } from '@candor/protocol'
import { nextMessage, waitFor } from './dev-env.ts'
import { code, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
beforeAll(async () => {
  o = await startOrgEnv()
  await o.root.admin.createOrganisation('guesthouse', 'Guest House', 'guests')
})
afterAll(async () => o.close())

const ids = (people: Array<{ userId: string }>) => people.map((p) => p.userId)

describe('finding people', () => {
  it('lists only the caller’s own organisation’s members, by prefix', async () => {
    const ada = await o.person('ada@acme.example', 'acme')
    await o.person('adam@acme.example', 'acme')
    await o.person('bea@acme.example', 'acme')
    const gil = await o.person('adele@globex.example', 'globex')
    const gus = await o.person('adrian', 'guesthouse')
    const api = (c: typeof ada) => new DataApi(c.api)

    expect(ids((await api(ada).call(peopleResponse, 'GET', '/v1/people?prefix=ad')).people)).toEqual(['ada@acme.example', 'adam@acme.example'])
    // Another organisation's member sees their own organisation only, whatever they ask.
    expect(ids((await api(gil).call(peopleResponse, 'GET', '/v1/people?prefix=ad')).people)).toEqual(['adele@globex.example'])
    expect(ids((await api(gil).call(peopleResponse, 'GET', '/v1/people?prefix=bea')).people)).toEqual([])
    // A guest has no organisation to list; a guest is never listed.
    expect(await code(api(gus).call(peopleResponse, 'GET', '/v1/people?prefix=ad'))).toBe('forbidden')
    expect(ids((await api(ada).call(peopleResponse, 'GET', '/v1/people?prefix=adr')).people)).toEqual([])
    // Bad input: a clear refusal.
    for (const bad of ['', 'Ad', 'a%20b', 'x'.repeat(255), 'a*']) expect(await code(api(ada).call(peopleResponse, 'GET', `/v1/people?prefix=${bad}`)), bad).toBe('bad_request')
    expect(await code(api(ada).call(peopleResponse, 'GET', '/v1/people'))).toBe('bad_request')
    // No session: nothing.
    const res = await fetch(`${o.env.server.url}/v1/people?prefix=ad`)
    expect(res.status).toBe(401)
  })

  it('display names travel end to end; people are found by name on the device', async () => {
    const kim = await o.person('kim@acme.example', 'acme')
    const lee = await o.person('lee@acme.example', 'acme')
    await kim.connect()
    await lee.connect()
    // Too long, empty, control characters: refused, nothing set or sent.
    for (const bad of ['x'.repeat(65), '   ', 'a\u0007b']) expect(await code(kim.setDisplayName(bad)), JSON.stringify(bad)).toBe('bad_request')
    expect(kim.displayNameOf(kim.userId)).toBeNull()
    expect(await kim.setDisplayName('  Kim Kovacs ')).toBe('Kim Kovacs')

    const conv = await lee.createConversation([kim.userId])
    await waitFor(() => lee.displayNameOf(kim.userId) === 'Kim Kovacs', 'lee to learn kim’s name (sent on joining)')
    // A change reaches every conversation.
    const seen = new Promise<void>((resolve) => lee.on('profile', (e) => e.displayName === 'Kim K.' && resolve()))
    await kim.setDisplayName('Kim K.')
    await seen
    expect(lee.displayNameOf(kim.userId)).toBe('Kim K.')
    // Found by name (on the device) and by id prefix (the organisation's list).
    expect(await lee.findPeople('kim')).toEqual([{ userId: 'kim@acme.example', displayName: 'Kim K.', source: 'organisation' }])
    expect(await lee.findPeople('kim k')).toEqual([{ userId: 'kim@acme.example', displayName: 'Kim K.', source: 'conversation' }])
    expect(await lee.findPeople('K.')).toEqual([{ userId: 'kim@acme.example', displayName: 'Kim K.', source: 'conversation' }])
    expect(await lee.findPeople('Nobody')).toEqual([])
    const got = nextMessage(kim, (m) => m.text === 'hello')
    await lee.send(conv, 'hello')
    await got
  })

  it('a conversation with someone who does not exist is never created', async () => {
    const max = await o.person('max@acme.example', 'acme')
    await max.connect()
    const before = max.conversations().length
    expect(await code(max.createConversation(['nobody@acme.example']))).not.toBe('no error (null)')
    expect(max.conversations()).toHaveLength(before)
  })
})

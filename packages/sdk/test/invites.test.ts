// Invite links through the SDK and a real server (docs/protocol.md §5.8): a person of one
// organisation sends a link to someone of another; redeeming it makes them contacts, so the
// conversation starts and its first message arrives without a contact request. A second use
// past the limit, a revoked link and something that is not a link are refused clearly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inviteSecretOf } from '../src/index.ts'
import { nextMessage } from './dev-env.ts'
import { code, startOrgEnv, type OrgEnv } from './org-env.ts'

let o: OrgEnv
beforeAll(async () => {
  o = await startOrgEnv()
}, 180_000)
afterAll(async () => o.close())

describe('invite links', () => {
  it('a link lets someone of another organisation start a conversation without a contact request; used once, then refused', async () => {
    const ann = await o.person('ann@acme.example', 'acme')
    const ben = await o.person('ben@globex.example', 'globex')
    const cat = await o.person('cat@globex.example', 'globex')
    await Promise.all([ann.connect(), ben.connect(), cat.connect()])

    const { link, invite } = await ann.invites.create({ maxUses: 1, expiresInSeconds: 3600 })
    expect(link).toMatch(new RegExp(`^${o.env.server.url}/#/invite/[A-Za-z0-9_-]{43}$`))
    // The server knows the invite by the secret's hash only: the secret is not in its answer.
    expect(JSON.stringify(invite)).not.toContain(inviteSecretOf(link))
    expect(invite).toMatchObject({ maxUses: 1, uses: 0, revoked: false })

    const conv = await ben.joinByInvite(link)
    const got = nextMessage(ann, (m) => m.text === 'hi from the link', 60_000)
    await ben.send(conv, 'hi from the link')
    expect((await got).from).toBe(ben.userId)
    expect(await ann.requests.list()).toEqual([])

    expect(await code(cat.joinByInvite(link))).toBe('invite_invalid')
    expect((await ann.invites.list())[0]).toMatchObject({ inviteId: invite.inviteId, uses: 1 })
  })

  it('a revoked link is refused; something that is not a link is refused before asking the server', async () => {
    const dee = await o.person('dee@acme.example', 'acme')
    const eve = await o.person('eve@globex.example', 'globex')
    const { link, invite } = await dee.invites.create({ maxUses: 5 })
    await dee.invites.revoke(invite.inviteId)
    expect(await code(eve.joinByInvite(link))).toBe('invite_invalid')
    expect(await code(eve.joinByInvite('https://example.org/#/invite/short'))).toBe('bad_request')
    expect(await code(eve.joinByInvite(`${o.env.server.url}/#/invite/${'A'.repeat(43)}`))).toBe('not_found')
    expect(await code(eve.invites.revoke(invite.inviteId))).toBe('not_found')
  })
})

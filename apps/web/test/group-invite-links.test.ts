// Group invite links in the web client (docs/protocol.md §5.8 "Group links"), real server and
// Chromium: Ann makes a link in her group's "Who can read this?" screen; Dan opens it, asks to
// join, and — Ann's device online — lands in the group, where Ben sees "ann added dan". Refused
// and changing nothing: the link once used up, a revoked link, an expired link, and a link to a
// conversation by someone not in it (not offered here; packages/sdk/test/group-invites.test.ts: the SDK refuses). Both screens pass
// axe-core's WCAG 2.1 AA rules.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { randomBytes, toBase64Url, type UserId } from '@candor/protocol'
import { axeViolations } from './support/axe.ts'
import { chromiumAvailable, openDevice } from './support/browser.ts'
import { message, openConversation, register, send, startConversation } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 60_000

describe.skipIf(!chromiumAvailable())('group invite links in the web client (Chromium)', () => {
  const w = webWorld()
  const { devices } = w

  it('ann makes a link to her group; dan asks to join and is added; used-up, revoked, expired and non-member links are refused', async () => {
    const [ann, ben, dan, cat] = await Promise.all(['ann', 'ben', 'dan', 'cat'].map((n) => openDevice(w.browser, w.server.url, n)))
    devices.push(ann!, ben!, dan!, cat!)
    await Promise.all([register(ann!.page, 'ann'), register(ben!.page, 'ben'), register(dan!.page, 'dan'), register(cat!.page, 'cat')])
    const group = await startConversation(ann!.page, 'ben')
    await send(ann!.page, 'hello group')

    await ann!.page.goto(`${w.server.url}/#/c/${encodeURIComponent(group)}/info`)
    await ann!.page.getByRole('button', { name: 'Create a link to this conversation' }).click()
    const link = await ann!.page.getByTestId('group-invite-link').inputValue()
    expect(link).toMatch(/#\/join\/[A-Za-z0-9_-]{43}$/)
    await ann!.page.getByTestId('group-invite-item').filter({ hasText: '0/1 used' }).waitFor({ timeout: T })
    expect(await axeViolations(ann!.page, 'who can read this, with a group link')).toEqual([])
    // The server's record never names the group.
    expect(JSON.stringify(await w.server.store.invites().listOf('ann' as UserId))).not.toContain(group)

    await dan!.page.goto(link)
    await dan!.page.getByRole('heading', { name: 'You are invited to a conversation' }).waitFor({ timeout: T })
    expect(await axeViolations(dan!.page, 'join a conversation')).toEqual([])
    await dan!.page.getByRole('button', { name: 'Ask to join' }).click()
    // Ann's device is online: it adds dan, and dan's screen opens the group.
    await dan!.page.waitForURL(new RegExp(`#/c/${group}$`), { timeout: T })
    await openConversation(ben!.page, group)
    await ben!.page.getByTestId('members-notice').filter({ hasText: 'ann added dan' }).waitFor({ timeout: T })
    await send(ben!.page, 'welcome dan')
    await message(dan!.page, 'welcome dan').waitFor({ timeout: T })
    await ann!.page.getByTestId('group-invite-item').filter({ hasText: '1/1 used' }).waitFor({ timeout: T })

    // Used up: cat is told why and is not added.
    cat!.allow.push(/status of 410/) // the browser logs the server's refusals
    await cat!.page.goto(link)
    await cat!.page.getByRole('button', { name: 'Ask to join' }).click()
    await cat!.page.getByTestId('join-error').filter({ hasText: 'used as often as its creator allowed' }).waitFor({ timeout: T })

    // Revoked: ann makes another and revokes it; cat is told.
    await ann!.page.getByRole('button', { name: 'Create a link to this conversation' }).click()
    await ann!.page.getByTestId('group-invite-item').filter({ hasText: '0/1 used' }).waitFor({ timeout: T })
    const revokedLink = await ann!.page.getByTestId('group-invite-link').inputValue()
    await ann!.page.getByTestId('group-invite-item').filter({ hasText: '0/1 used' }).getByRole('button', { name: /^Revoke/ }).click()
    await ann!.page.getByTestId('group-invite-item').filter({ hasText: 'revoked' }).waitFor({ timeout: T })
    await cat!.page.goto(revokedLink)
    await cat!.page.getByRole('button', { name: 'Ask to join' }).click()
    await cat!.page.getByTestId('join-error').filter({ hasText: 'revoked' }).waitFor({ timeout: T })

    // Expired: a link of ann's whose time is up (planted in the server's store, as time passing would leave it).
    const secret = randomBytes(32)
    const now = Date.now()
    const inviteId = createHash('sha256').update(secret).digest('base64url')
    await w.server.store.invites().create({ inviteId, creator: 'ann' as UserId, createdAt: now - 7_200_000, expiresAt: now - 1, maxUses: 5 }, 50)
    await cat!.page.goto(`${w.server.url}/#/join/${toBase64Url(secret)}`)
    await cat!.page.getByRole('button', { name: 'Ask to join' }).click()
    await cat!.page.getByTestId('join-error').filter({ hasText: 'expired' }).waitFor({ timeout: T })

    // Cat, in no conversation with ann's group, is offered no link to make for it: the group is not cat's to open.
    await cat!.page.goto(`${w.server.url}/#/c/${encodeURIComponent(group)}/info`)
    await cat!.page.waitForTimeout(500)
    expect(await cat!.page.getByRole('button', { name: 'Create a link to this conversation' }).count()).toBe(0)
    expect(await message(cat!.page, 'welcome dan').count()).toBe(0)
    expect(await message(cat!.page, 'hello group').count()).toBe(0)
  }, 300_000)
})

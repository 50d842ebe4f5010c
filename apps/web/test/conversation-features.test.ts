// Conversation features in the web client end to end: real server, real Chromium, one browser
// context per person. Alice and Bob reply, edit, react, delete, see delivered/read state and
// typing, and rename their group — each step as a person does it, by accessible names.
// axe-core's WCAG 2.1 AA rules (light and dark theme) run on each of these states, on both
// people's screens: the other's message and one's own look different.
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { axeViolations } from './support/axe.ts'
import { chromiumAvailable, openDevice, screenshot, type Device } from './support/browser.ts'
import { message, openConversation, register, send, startConversation } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 30_000

describe.skipIf(!chromiumAvailable())('conversation features in the web client (Chromium)', () => {
  const w = webWorld()

  const actions = (page: Page, text: string) => message(page, text).getByTestId('message-actions')
  const violations: string[] = []
  /** axe on each device's screen as it is now; nothing here waits for anything in the app. */
  const axe = async (screen: string, ...ds: Device[]) => {
    for (const d of ds) {
      const found = await axeViolations(d.page, `${screen} — ${d.name}`)
      if (found.length > 0) console.warn(found.join('\n'))
      violations.push(...found)
    }
  }

  it('reply, edit, react, delete, delivered and read, typing, rename — between two people', async () => {
    const [alice, bob] = await Promise.all([openDevice(w.browser, w.server.url, 'alice'), openDevice(w.browser, w.server.url, 'bob')])
    w.devices.push(alice, bob)
    await Promise.all([register(alice.page, 'alice'), register(bob.page, 'bob')])
    const conv = await startConversation(alice.page, 'bob')
    await send(alice.page, 'lunch at noon?')

    // Bob opens the conversation: alice's message shows delivered, then read.
    await openConversation(bob.page, conv)
    await message(bob.page, 'lunch at noon?').waitFor({ timeout: T })
    await message(alice.page, 'lunch at noon?').and(alice.page.locator('[data-receipt="read"]')).waitFor({ timeout: T })
    await expect(message(alice.page, 'lunch at noon?').getByTestId('delivery').textContent()).resolves.toMatch(/Read/)
    await axe('read', alice, bob)

    // Typing: bob types, alice sees it (never stored); it goes once he sends.
    await bob.page.locator('#composer-text').fill('')
    await bob.page.locator('#composer-text').pressSequentially('yes', { delay: 20 })
    await alice.page.getByTestId('typing').filter({ hasText: 'bob is typing…' }).waitFor({ timeout: T })
    await axe('typing shown', alice)

    // Bob replies quoting it.
    await bob.page.locator('#composer-text').fill('')
    await actions(bob.page, 'lunch at noon?').getByRole('button', { name: 'Reply', exact: true }).click()
    await bob.page.getByTestId('replying').waitFor({ timeout: T })
    await axe('composer replying', bob)
    await send(bob.page, 'yes, see you there')
    const reply = message(alice.page, 'yes, see you there')
    await reply.getByTestId('quote').filter({ hasText: 'lunch at noon?' }).waitFor({ timeout: T })
    await alice.page.getByTestId('typing').filter({ hasText: 'typing' }).waitFor({ state: 'hidden', timeout: T })
    await message(bob.page, 'yes, see you there').getByTestId('quote').waitFor({ timeout: T })
    await axe('a reply with its quote', alice, bob)

    // Alice edits hers: bob sees the new text, marked edited.
    await actions(alice.page, 'lunch at noon?').getByRole('button', { name: 'Edit', exact: true }).click()
    await alice.page.getByTestId('editing').waitFor({ timeout: T })
    await axe('composer editing', alice)
    await alice.page.locator('#composer-text').fill('lunch at one?')
    await alice.page.getByRole('button', { name: 'Save', exact: true }).click()
    await message(bob.page, 'lunch at one?').getByTestId('edited').waitFor({ timeout: T })
    // Bob has no Edit or Delete on alice's message.
    await expect(actions(bob.page, 'lunch at one?').getByRole('button', { name: 'Edit', exact: true }).count()).resolves.toBe(0)
    await message(alice.page, 'lunch at one?').getByTestId('edited').waitFor({ timeout: T })
    await axe('an edited message', alice, bob)

    // Bob reacts; alice sees it in the message's reactions list.
    await actions(bob.page, 'lunch at one?').getByRole('button', { name: 'React 👍', exact: true }).click()
    await message(alice.page, 'lunch at one?').locator('[data-testid="reactions"] li[data-emoji="👍"][data-count="1"]').waitFor({ timeout: T })
    await message(bob.page, 'lunch at one?').locator('[data-testid="reactions"] li[data-emoji="👍"][data-count="1"]').waitFor({ timeout: T })
    await axe('reactions', alice, bob)
    await screenshot(alice.page, 'features-reacted')

    // Alice renames the conversation: both headers show it, both timelines have the line.
    await alice.page.getByRole('button', { name: 'Rename', exact: true }).click()
    await alice.page.getByLabel('Conversation name').fill('Lunch club')
    await axe('the rename form', alice)
    await alice.page.getByRole('button', { name: 'Save name', exact: true }).click()
    for (const d of [alice, bob]) {
      await d.page.locator('#conversation-title', { hasText: 'Lunch club' }).waitFor({ timeout: T })
      await d.page.getByTestId('conversation-notice').filter({ hasText: 'alice renamed the conversation to “Lunch club”' }).waitFor({ timeout: T })
    }
    await axe('after the rename', alice, bob)

    // Alice deletes her message for everyone: bob sees "Message deleted", the reaction gone.
    await actions(alice.page, 'lunch at one?').getByRole('button', { name: 'Delete', exact: true }).click()
    const gone = bob.page.getByTestId('message').filter({ has: bob.page.getByTestId('deleted') })
    await gone.waitFor({ timeout: T })
    await expect(gone.getByTestId('reactions').count()).resolves.toBe(0)
    await expect(bob.page.getByText('lunch at one?').count()).resolves.toBe(0)
    await screenshot(bob.page, 'features-deleted')
    await message(alice.page, 'yes, see you there').waitFor({ timeout: T })
    await alice.page.getByTestId('message').filter({ has: alice.page.getByTestId('deleted') }).waitFor({ timeout: T })
    await axe('after a delete', alice, bob)

    expect(violations, 'axe-core WCAG 2.1 AA violations').toEqual([])
  }, 300_000)
})

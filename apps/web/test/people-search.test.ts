// Names, people, search, drafts and limits in the web client, end to end (real server, real
// Chromium), with axe-core's WCAG 2.1 AA rules run on every screen: two people set display
// names, find each other (by user id in their organisation, then by display name), search and
// find a message, keep a draft across a reload, are told — not truncated — when a paste is
// over the limit, and a failed "New conversation" leaves nothing behind.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { axeViolations } from './support/axe.ts'
import { chromiumAvailable, launchChromium, openDevice, screenshot, type Device } from './support/browser.ts'
import { startCandorServer, type RunningServer } from './support/candor-server.ts'
import { conversationIdFromUrl, message, register, requestEnrolment, send, waitOnline } from './support/ui.ts'
import { ensureBuilt } from './support/web-build.ts'

const T = 60_000

describe.skipIf(!chromiumAvailable())('names, people, search and drafts in Chromium', () => {
  let server: RunningServer
  let browser: Browser
  let ann: Device
  let ben: Device
  const violations: string[] = []
  const audit = async (d: Device, screen: string) => {
    const found = await axeViolations(d.page, screen)
    if (found.length > 0) console.warn(found.join('\n'))
    violations.push(...found)
  }

  beforeAll(async () => {
    await ensureBuilt()
    ;[server, browser] = await Promise.all([startCandorServer(), launchChromium()])
    ;[ann, ben] = await Promise.all([openDevice(browser, server.url, 'ann'), openDevice(browser, server.url, 'ben')])
  }, 180_000)

  afterEach(() => {
    for (const d of [ann, ben]) expect(d.errors.splice(0), 'console errors in the page').toEqual([])
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it('find each other by name, search, drafts, limits; every screen passes axe', async () => {
    await ann.page.getByRole('tab', { name: 'Create account' }).waitFor({ timeout: T })
    await audit(ann, 'onboarding')
    await Promise.all([register(ann.page, 'ann'), register(ben.page, 'ben')])
    await audit(ann, 'home')

    // Display names, set in Settings.
    for (const [d, name] of [[ann, 'Ann Example'], [ben, 'Ben Builder']] as const) {
      await d.page.getByRole('link', { name: 'Settings' }).click()
      await d.page.getByLabel('Display name', { exact: true }).fill(name)
      await d.page.getByRole('button', { name: 'Save name' }).click()
      await d.page.getByRole('status').filter({ hasText: `Others see “${name} (${d.name})”` }).waitFor({ timeout: T })
    }
    await audit(ann, 'settings')

    // A failed "New conversation" leaves nothing behind.
    // (The browser logs the server's 404 for the person who does not exist.)
    ann.allow.push(/status of 404/)
    await ann.page.getByRole('link', { name: 'New', exact: true }).click()
    await ann.page.getByLabel('People').fill('nobody-here')
    await ann.page.getByRole('button', { name: 'Start conversation' }).click()
    await ann.page.locator('.error[role="alert"]').waitFor({ timeout: T })
    expect(await ann.page.getByTestId('conversation-item').count()).toBe(0)
    await audit(ann, 'new conversation (error)')
    ann.allow.pop()

    // Ben finds ann in their organisation by her user id and starts a conversation.
    await ben.page.getByRole('link', { name: 'New', exact: true }).click()
    await ben.page.getByLabel('People').fill('an')
    await ben.page.locator('[data-testid="person"][data-user="ann"]').click()
    await expect.poll(() => ben.page.getByLabel('People').inputValue()).toBe('ann, ')
    await audit(ben, 'new conversation (people found)')
    await ben.page.getByRole('button', { name: 'Start conversation' }).click()
    await ben.page.waitForURL(/#\/c\/[^/]+$/, { timeout: T })
    const conv = conversationIdFromUrl(ben.page)
    // Names next to (never instead of) the user id, both ways, from the profile messages.
    await ben.page.locator('#conversation-title', { hasText: 'Ann Example (ann)' }).waitFor({ timeout: T })
    await send(ben.page, 'the walrus sings at midnight')
    await send(ben.page, 'and the heron listens')

    // Ann finds ben by his display name (she knows it from their conversation now).
    await ann.page.getByTestId('conversation-item').first().waitFor({ timeout: T })
    await ann.page.getByLabel('People').fill('Builder')
    const found = ann.page.locator('[data-testid="person"][data-user="ben"]')
    await found.filter({ hasText: 'Ben Builder (ben)' }).waitFor({ timeout: T })

    // Search on ann's device: every word by prefix, a result opens its conversation.
    await ann.page.getByTestId('search').fill('walrus MID')
    const result = ann.page.getByTestId('search-result')
    await result.filter({ hasText: 'the walrus sings at midnight' }).waitFor({ timeout: T })
    expect(await result.count()).toBe(1)
    await expect.poll(() => result.first().textContent()).toContain('Ben Builder (ben)')
    await audit(ann, 'search results')
    await result.first().click()
    await ann.page.waitForURL(new RegExp(`#/c/${encodeURIComponent(conv)}$`), { timeout: T })
    await message(ann.page, 'and the heron listens').waitFor({ timeout: T })
    await ann.page.getByTestId('search').fill('nothing-like-this')
    await ann.page.getByText('No messages found on this device.').waitFor({ timeout: T })
    await ann.page.getByTestId('search').fill('')
    await audit(ann, 'conversation')

    // A draft survives a reload.
    const box = ann.page.locator('#composer-text')
    await box.fill('an unfinished thought')
    // The draft is written a moment after typing stops: reload once it is in the browser's store
    // (a fixed pause lost that race under load).
    await expect.poll(() => hasStoreKey(ann.page, `web/draft/${conv}`), { timeout: T }).toBe(true)
    await ann.page.reload()
    await waitOnline(ann.page)
    await expect.poll(() => ann.page.locator('#composer-text').inputValue(), { timeout: T }).toBe('an unfinished thought')

    // 70,000 characters: refused with a clear message and an offer to send a file; never cut.
    const long = 'x'.repeat(70_000)
    await ann.page.locator('#composer-text').fill(long)
    const tooLong = ann.page.getByTestId('too-long')
    await tooLong.waitFor({ timeout: T })
    expect(await tooLong.textContent()).toMatch(/70,000 bytes; a message can hold at most 65,536/)
    expect((await ann.page.locator('#composer-text').inputValue()).length).toBe(70_000)
    expect(await ann.page.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true)
    await audit(ann, 'conversation (message too long)')
    await ann.page.getByTestId('send-as-file').click()
    await ann.page.getByTestId('message').filter({ hasText: 'message.txt' }).waitFor({ timeout: T })
    await screenshot(ann.page, 'people-search')

    // The other screens: who can read this, a safety number, a device waiting for approval.
    await ann.page.getByTestId('who-can-read').click()
    await ann.page.locator('#info-title').waitFor({ timeout: T })
    await audit(ann, 'who can read this')
    await ann.page.goto(`${server.url}/#/c/${encodeURIComponent(conv)}/safety/ben`)
    await ann.page.getByRole('heading', { level: 2 }).first().waitFor({ timeout: T })
    // Audit the computed number, not "Computing…" (a fixed pause was not always long enough).
    await ann.page.getByTestId('safety-number').waitFor({ timeout: T })
    await audit(ann, 'safety number')
    const tablet = await openDevice(browser, server.url, 'ann-tablet')
    await requestEnrolment(tablet.page, 'ann', 'tablet')
    await audit(tablet, 'waiting for approval')
    // Settings with a device asking to join (a badge on the Settings link).
    await ann.page.getByRole('link', { name: 'Settings 1 device requests' }).click()
    await ann.page.locator('#requests-title').waitFor({ timeout: T })
    await audit(ann, 'settings (device asking to join)')
    await tablet.context.close()

    // Hide the conversation from ann's list: gone from it, back with its next message.
    await ann.page.goto(`${server.url}/#/c/${encodeURIComponent(conv)}/info`)
    await ann.page.getByTestId('hide-conversation').click()
    await expect.poll(() => ann.page.getByTestId('conversation-item').count(), { timeout: T }).toBe(0)
    await send(ben.page, 'are you there?')
    await ann.page.getByTestId('conversation-item').first().waitFor({ timeout: T })

    expect(violations).toEqual([])
  }, 300_000)
})

/** Whether the page's IndexedDB key-value store holds `key` (keys are plain; values sealed). */
function hasStoreKey(page: Page, key: string): Promise<boolean> {
  return page.evaluate(async (key) => {
    const ask = <T>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))))
    for (const { name } of await indexedDB.databases()) {
      if (!name) continue
      const db = await ask(indexedDB.open(name))
      try {
        if (db.objectStoreNames.contains('kv') && (await ask(db.transaction('kv').objectStore('kv').count(key))) > 0) return true
      } finally {
        db.close()
      }
    }
    return false
  }, key)
}

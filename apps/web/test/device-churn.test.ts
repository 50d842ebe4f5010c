// Device churn while a contact is offline, in Chromium (the reproduction of issue "groups that
// cannot be broken", point 3): bob closes his tab; alice links a second browser, which joins their
// conversation, and later revokes it; bob opens the client again and reads everything — the
// commit that added the since-revoked browser is judged against the directory as it was then.
import { describe, expect, it } from 'vitest'
import { chromiumAvailable, openDevice } from './support/browser.ts'
import { conversationItem, message, messageTexts, openConversation, register, requestEnrolment, send, startConversation, waitOnline } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 60_000

describe.skipIf(!chromiumAvailable())('device churn while a contact is offline, in Chromium', () => {
  const w = webWorld()

  const device = async (name: string) => {
    const d = await openDevice(w.browser, w.server.url, name)
    w.devices.push(d)
    return d
  }

  it('bob, back after alice linked and revoked a second browser, reads every message', async () => {
    const [alice, bob] = await Promise.all([device('alice'), device('bob')])
    await Promise.all([register(alice.page, 'alice'), register(bob.page, 'bob')])
    const direct = await startConversation(alice.page, 'bob')
    await send(alice.page, 'hello bob')
    await conversationItem(bob.page, 'alice,bob').click()
    await message(bob.page, 'hello bob').waitFor({ timeout: T })

    // Bob closes his tab; his browser keeps his device (IndexedDB) for when he comes back.
    await bob.page.close()

    // Alice links a second browser and approves it from her first: it joins the conversation.
    const laptop = await device('alice-laptop')
    laptop.allow.push(/status of 403/)
    const laptopId = await requestEnrolment(laptop.page, 'alice', 'alice laptop')
    await alice.page.getByRole('link', { name: /^Settings/ }).click()
    const request = alice.page.getByTestId('enrolment-request')
    await request.waitFor({ timeout: T })
    expect(await request.locator('.device-code').getAttribute('data-device-id')).toBe(laptopId)
    // approve() retries the new device's key packages until it has published them (409s).
    alice.allow.push(/status of 409/)
    await request.getByRole('button', { name: 'Approve' }).click()
    await alice.page.locator('[data-testid="device"][data-status="active"]').nth(1).waitFor({ timeout: T })
    await laptop.page.getByTestId('me').filter({ hasText: 'alice' }).waitFor({ timeout: T })
    await waitOnline(laptop.page)
    await conversationItem(laptop.page, 'alice,bob').waitFor({ timeout: T })

    await openConversation(alice.page, direct)
    await send(alice.page, 'one from the first browser')
    await openConversation(laptop.page, direct)
    await message(laptop.page, 'one from the first browser').waitFor({ timeout: T })
    await send(laptop.page, 'one from the second browser')
    await message(alice.page, 'one from the second browser').waitFor({ timeout: T })

    // Then revokes it: the directory drops it and a commit removes it from the conversation.
    laptop.allow.push(/status of 40[13]/)
    alice.page.once('dialog', (d) => void d.accept())
    await alice.page.getByRole('link', { name: /^Settings/ }).click()
    await alice.page.getByRole('button', { name: 'Revoke alice laptop' }).click()
    await alice.page.locator('[data-testid="device"][data-status="revoked"]').waitFor({ timeout: T })
    await laptop.page.getByTestId('offline-banner').filter({ hasText: 'This device was removed from your account' }).waitFor({ timeout: T })
    await laptop.context.close()
    w.devices.splice(w.devices.indexOf(laptop), 1)
    await openConversation(alice.page, direct)
    await send(alice.page, 'after the second browser was revoked')

    // Bob opens the client again, in the same browser.
    const page = await bob.context.newPage()
    page.on('console', (m) => {
      if (m.type() === 'error' && !bob.allow.some((r) => r.test(m.text()))) bob.errors.push(`bob: ${m.text()}`)
    })
    page.on('pageerror', (e) => bob.errors.push(`bob: uncaught ${e.message}`))
    bob.page = page
    await page.goto(w.server.url)
    await page.getByTestId('me').filter({ hasText: 'bob' }).waitFor({ timeout: T })
    await waitOnline(page)
    await openConversation(page, direct)
    await message(page, 'after the second browser was revoked').waitFor({ timeout: T })
    expect(await messageTexts(page)).toEqual(['hello bob', 'one from the first browser', 'one from the second browser', 'after the second browser was revoked'])

    // And the conversation goes on.
    await send(page, 'welcome back to me')
    await message(alice.page, 'welcome back to me').waitFor({ timeout: T })
  }, 240_000)
})

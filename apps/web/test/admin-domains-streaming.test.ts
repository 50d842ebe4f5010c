// The admin console's "Domains and sign-up" and "Audit streaming" screens in Chromium
// (docs/organisations.md §Admin console), against a real server: the operator records a verified
// domain (a name that is no domain, and one another organisation has, are refused in plain words,
// nothing changed); the owner sees it, is told only the operator records one, sets an HTTPS
// webhook — a receiver the test starts, with a certificate the test makes, that refuses each
// entry's first delivery — and then sees an admin action of hers arrive at the receiver and the
// screen's delivery state (last index delivered, the refusal as the last error, nothing left
// retrying); she removes it and nothing more arrives. An auditor sees no streaming screen or
// domain controls; the API refuses an auditor and a support admin alike. axe-core's WCAG 2.1 AA
// rules (light and dark) on every state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { CandorError } from '@candor/protocol'
import { startReceivers, type Receivers } from '@candor/testkit/siem-receivers'
import { axeViolations } from './support/axe.ts'
import { chromiumAvailable, openDevice, type Device } from './support/browser.ts'
import { register } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 60_000

describe.skipIf(!chromiumAvailable())('domains and audit streaming in the admin console', () => {
  const w = webWorld()
  let opal: Device
  let olive: Device
  let aude: Device
  let rx: Receivers
  const sdk: CandorClient[] = []
  const violations: string[] = []
  const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof CandorError ? e.code : String(e)))
  const person = async (userId: string) => {
    const c = await CandorClient.register({ server: w.server.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket }, userId, `${userId}-device`)
    sdk.push(c)
    return c
  }
  const axe = async (d: Device, screen: string) => {
    const found = await axeViolations(d.page, screen)
    if (found.length > 0) console.warn(found.join('\n'))
    violations.push(...found)
  }
  const openConsole = async (p: Page, who: string) => {
    await p.getByRole('link', { name: 'Admin', exact: true }).click()
    await p.getByTestId('admin-me').filter({ hasText: who }).waitFor({ timeout: T })
  }
  const tab = async (p: Page, name: string) => {
    await p.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name, exact: true }).click()
    await p.getByRole('heading', { name: `Admin console: ${name}` }).waitFor({ timeout: T })
  }
  const grant = (userId: string, role: 'operator' | 'owner' | 'auditor' | 'support') =>
    w.server.server.context.store.addAdmin({ userId: userId as never, role, org: role === 'operator' ? 'ops' : 'default', grantedBy: null, grantedAt: Date.now() })
  const org = () => w.server.server.context.store.getOrganisation('default' as never)

  beforeAll(async () => {
    rx = await startReceivers()
    ;[opal, olive, aude] = await Promise.all([openDevice(w.browser, w.server.url, 'opal'), openDevice(w.browser, w.server.url, 'olive'), openDevice(w.browser, w.server.url, 'aude')])
    w.devices.push(opal, olive, aude)
    opal.allow.push(/status of 409/) // the taken domain the test tries
    await Promise.all([register(opal.page, 'opal'), register(olive.page, 'olive'), register(aude.page, 'aude')])
    for (const [u, role] of [['opal', 'operator'], ['olive', 'owner'], ['aude', 'auditor']] as const) expect(await grant(u, role)).toBe(true)
    // Another organisation, which has verified globex.example.
    const { store } = w.server.server.context
    expect(await store.createOrganisation({ id: 'globex' as never, name: 'Globex', signup: 'closed', createdAt: Date.now() })).toBe(true)
    expect(await store.addDomain('globex' as never, 'globex.example', Date.now())).toBe('added')
  }, 240_000)

  afterAll(async () => {
    for (const c of sdk) c.close()
    await rx?.close()
  })

  it('the operator records a verified domain; a non-domain and a taken one are refused plainly, nothing changed', async () => {
    const p = opal.page
    await openConsole(p, 'operator of default')
    await tab(p, 'Domains and sign-up')
    await p.getByRole('cell', { name: 'No verified domains yet.' }).waitFor({ timeout: T })
    await axe(opal, 'domains (none)')
    await p.getByLabel('Domain', { exact: true }).fill('not a domain')
    await p.getByRole('button', { name: 'Record as verified' }).click()
    await p.getByRole('alert').filter({ hasText: '“not a domain” is not a domain name' }).waitFor({ timeout: T })
    await p.getByLabel('Domain', { exact: true }).fill('globex.example')
    await p.getByRole('button', { name: 'Record as verified' }).click()
    await p.getByRole('alert').filter({ hasText: 'globex.example is a verified domain of another organisation' }).waitFor({ timeout: T })
    expect((await org())?.domains).toEqual([])
    await p.getByLabel('Domain', { exact: true }).fill('Acme.Example')
    await p.getByRole('button', { name: 'Record as verified' }).click()
    await p.getByTestId('domains-outcome').filter({ hasText: 'acme.example is now a verified domain of' }).waitFor({ timeout: T })
    await expect(p.locator('[data-domain="acme.example"]').textContent()).resolves.toContain('Verified: recorded by the server’s operator')
    expect((await org())?.domains).toEqual(['acme.example'])
    await axe(opal, 'domains (one recorded)')
  }, 240_000)

  it('the owner sees the domain, is told who records one, and streams the trail to an HTTPS webhook whose delivery state she reads', async () => {
    const p = olive.page
    await openConsole(p, 'owner of default')
    await tab(p, 'Domains and sign-up')
    await p.locator('[data-domain="acme.example"]').waitFor({ timeout: T })
    await p.getByTestId('domains-operator-only').waitFor({ timeout: T })
    expect(await p.getByRole('button', { name: 'Record as verified' }).count()).toBe(0)
    await axe(olive, 'domains (owner)')

    await tab(p, 'Audit streaming')
    await p.getByTestId('streaming-state').filter({ hasText: 'The audit trail is not streamed anywhere.' }).waitFor({ timeout: T })
    await axe(olive, 'audit streaming (none)')
    await p.getByLabel('Send to an HTTPS webhook').check()
    await p.getByLabel('Webhook URL (https://)').fill(rx.webhookUrl)
    await p.getByLabel(/^CA certificate to trust/).fill(rx.ca)
    await p.getByRole('button', { name: 'Save audit streaming' }).click()
    await p.getByTestId('streaming-outcome').filter({ hasText: 'Saved: new entries of the audit trail are streamed' }).waitFor({ timeout: T })
    await p.getByTestId('streaming-state').filter({ hasText: 'goes to an HTTPS webhook' }).waitFor({ timeout: T })
    expect(await w.server.server.context.siem.settings('default' as never)).toEqual({ webhook: { url: rx.webhookUrl, ca: rx.ca } })

    // An admin action of hers: the sign-up is opened to guests only.
    await tab(p, 'Domains and sign-up')
    await p.getByLabel('Who may register through this organisation’s sign-up').selectOption('guests')
    await p.getByRole('button', { name: 'Save sign-up' }).click()
    await p.getByTestId('org-signup').filter({ hasText: 'guests' }).waitFor({ timeout: T })
    await expect.poll(() => [...rx.webhook.values()].find((e) => (e.entry as { action?: string }).action === 'signup.set'), { timeout: T }).toBeTruthy()
    const arrived = [...rx.webhook.values()].find((e) => (e.entry as { action?: string }).action === 'signup.set')!
    expect(arrived).toMatchObject({ org: 'default', entry: { action: 'signup.set', actor: { kind: 'admin', id: 'olive', role: 'owner' }, details: { signup: 'guests' } } })

    // The screen says where it is: that entry delivered, the receiver's refusal of a first try as the last error, nothing waiting.
    await tab(p, 'Audit streaming')
    const row = p.locator('[data-destination="webhook"]')
    await expect
      .poll(
        async () => {
          await p.getByRole('button', { name: 'Refresh delivery state' }).click()
          return [await row.getAttribute('data-last-delivered', { timeout: T }), await row.getAttribute('data-retrying')]
        },
        { timeout: T },
      )
      .toEqual([String(arrived.index), '0'])
    await expect(row.textContent()).resolves.toContain(`entry ${arrived.index}`)
    await expect(row.textContent()).resolves.toContain('webhook answered 503')
    await expect(row.textContent()).resolves.toContain('0 given up')
    await axe(olive, 'audit streaming (delivered)')

    // Removed: the setting is gone and the next action reaches no receiver.
    await row.getByRole('button', { name: 'Remove the https webhook' }).click()
    await p.getByTestId('streaming-outcome').filter({ hasText: 'The webhook is removed' }).waitFor({ timeout: T })
    await p.getByTestId('streaming-state').filter({ hasText: 'The audit trail is not streamed anywhere.' }).waitFor({ timeout: T })
    expect(await w.server.server.context.siem.settings('default' as never)).toBeNull()
    const removal = (await w.server.server.context.audit.read('default' as never, 0)).entries.at(-1)!
    expect(JSON.parse(removal.entry)).toMatchObject({ action: 'siem.set', details: { webhook: null } })
    await tab(p, 'Domains and sign-up')
    await p.getByLabel('Who may register through this organisation’s sign-up').selectOption('open')
    await p.getByRole('button', { name: 'Save sign-up' }).click()
    await p.getByTestId('org-signup').filter({ hasText: 'open' }).waitFor({ timeout: T })
    const last = (await w.server.server.context.audit.read('default' as never, 0)).entries.at(-1)!
    expect(JSON.parse(last.entry)).toMatchObject({ action: 'signup.set', details: { signup: 'open' } })
    // Entries made before the removal may still finish their retries; none made after it is sent.
    expect([...rx.webhook.values()].filter((e) => e.index >= removal.index)).toEqual([])
    expect(rx.webhook.has(`default:${last.index}`)).toBe(false)
    await axe(olive, 'audit streaming (removed)')
  }, 240_000)

  it('an auditor sees no streaming screen and no domain controls; the API refuses an auditor and a support admin', async () => {
    const p = aude.page
    await openConsole(p, 'auditor of default')
    expect(await p.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name: 'Audit streaming' }).count()).toBe(0)
    await tab(p, 'Domains and sign-up')
    await p.locator('[data-domain="acme.example"]').waitFor({ timeout: T })
    expect(await p.getByRole('button', { name: 'Record as verified' }).count()).toBe(0)
    expect(await p.getByRole('button', { name: 'Save sign-up' }).count()).toBe(0)
    await axe(aude, 'domains (auditor)')
    // The screen's address itself shows no controls.
    await p.goto(`${w.server.url}/#/admin/streaming`)
    await p.getByTestId('admin-not-allowed').waitFor({ timeout: T })
    expect(await p.getByRole('button', { name: 'Save audit streaming' }).count()).toBe(0)
    await axe(aude, 'audit streaming (auditor: not allowed)')

    const audra = await person('audra')
    const sam = await person('sam')
    expect(await grant('audra', 'auditor')).toBe(true)
    expect(await grant('sam', 'support')).toBe(true)
    const size = (await w.server.server.context.audit.read('default' as never, 0)).entries.length
    for (const c of [audra, sam]) {
      expect(await codeOf(c.admin.siem('default'))).toBe('forbidden')
      expect(await codeOf(c.admin.setSiem('default', { webhook: { url: rx.webhookUrl, ca: rx.ca } }))).toBe('forbidden')
      expect(await codeOf(c.admin.addDomain('default', 'evil.example'))).toBe('forbidden')
    }
    expect(await w.server.server.context.siem.settings('default' as never)).toBeNull()
    expect((await org())?.domains).toEqual(['acme.example'])
    expect((await w.server.server.context.audit.read('default' as never, 0)).entries.length).toBe(size)
  }, 240_000)

  it('every state of both screens passes axe-core’s WCAG 2.1 AA rules', () => {
    expect(violations).toEqual([])
  })
})

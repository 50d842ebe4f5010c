// The organisation's admin console in Chromium (docs/organisations.md §Admin console), against a
// real server and a real OpenID Connect provider (oidc-provider on loopback): an owner configures
// single sign-on and a SCIM token (shown once, and it works), edits the policy (the verified diff
// shown), a second admin's request to suspend a device is declined, the next approved by the owner,
// and the suspension then runs,
// and the audit trail lists those actions with their proofs verified. A member who is no admin
// gets the "not an admin" screen. axe-core's WCAG 2.1 AA rules run on every console screen.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startTestIdp, type TestIdp } from '@candor/testkit/test-idp'
import { axeViolations } from './support/axe.ts'
import { chromiumAvailable, launchChromium, openDevice, screenshot, type Device } from './support/browser.ts'
import { startCandorServer, type RunningServer } from './support/candor-server.ts'
import { register } from './support/ui.ts'
import { ensureBuilt } from './support/web-build.ts'

const T = 60_000

describe.skipIf(!chromiumAvailable())('the admin console in Chromium', () => {
  let server: RunningServer
  let browser: Browser
  let idp: TestIdp
  let olive: Device
  let adam: Device
  let erin: Device
  const violations: string[] = []
  const axe = async (d: Device, screen: string) => {
    const found = await axeViolations(d.page, screen)
    if (found.length > 0) console.warn(found.join('\n'))
    violations.push(...found)
  }
  const tab = async (page: Page, name: string) => {
    await page.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name, exact: true }).click()
    await page.getByRole('heading', { name: `Admin console: ${name}` }).waitFor({ timeout: T })
  }

  beforeAll(async () => {
    await ensureBuilt()
    ;[server, browser] = await Promise.all([startCandorServer({ ssoAllowInsecureIssuers: true }), launchChromium()])
    idp = await startTestIdp({ redirectUri: `${server.url}/v1/sso/callback`, accounts: { ana: { password: 'ana-pw', email: 'ana@acme.example' } } })
    ;[olive, adam, erin] = await Promise.all([openDevice(browser, server.url, 'olive'), openDevice(browser, server.url, 'adam'), openDevice(browser, server.url, 'erin')])
    // Refusals the test provokes show up as failed loads in the console.
    for (const d of [adam, erin]) d.allow.push(/status of 403/)
    erin.allow.push(/./) // her only device is suspended: her page loses its session
    await Promise.all([register(olive.page, 'olive'), register(adam.page, 'adam'), register(erin.page, 'erin')])
    // The people register through the default organisation's open sign-up; its first owner and
    // admin are named by the operator (the roles API is tested in packages/sdk/test/organisation-roles.test.ts).
    const { store } = server.server.context
    await store.addDomain('default' as never, 'acme.example', Date.now())
    expect(await store.addAdmin({ userId: 'olive' as never, role: 'owner', org: 'default', grantedBy: null, grantedAt: Date.now() })).toBe(true)
    expect(await store.addAdmin({ userId: 'adam' as never, role: 'admin', org: 'default', grantedBy: 'olive' as never, grantedAt: Date.now() })).toBe(true)
  }, 180_000)

  afterEach(() => {
    for (const d of [olive, adam, erin]) expect(d.errors.splice(0), 'console errors in the page').toEqual([])
  })

  afterAll(async () => {
    await browser?.close()
    await idp?.close()
    await server?.close()
  })

  it('a member who is no admin is told so, and sees nothing of the organisation', async () => {
    await erin.page.getByRole('link', { name: 'Admin', exact: true }).click()
    await erin.page.getByTestId('not-admin').waitFor({ timeout: T })
    await expect(erin.page.getByTestId('not-admin').textContent()).resolves.toContain('You are not an admin of this organisation.')
    expect(await erin.page.getByRole('navigation', { name: 'Admin console' }).count()).toBe(0)
    await axe(erin, 'not an admin')
  }, 240_000)

  it('the owner sets single sign-on at the provider', async () => {
    const p = olive.page
    await p.getByRole('link', { name: 'Admin', exact: true }).click()
    await p.getByTestId('admin-me').filter({ hasText: 'owner of default' }).waitFor({ timeout: T })
    await axe(olive, 'people')
    await tab(p, 'Single sign-on')
    await p.getByTestId('sso-state').filter({ hasText: 'No identity provider is set.' }).waitFor({ timeout: T })
    await axe(olive, 'single sign-on (empty)')
    await p.getByLabel('Issuer URL').fill(idp.issuer)
    await p.getByLabel('Client ID').fill(idp.clientId)
    await p.getByLabel('Client secret').fill(idp.clientSecret)
    await p.getByLabel('Allowed email domains').fill('acme.example')
    await p.getByLabel('Groups claim').fill('groups')
    await p.getByRole('button', { name: 'Save single sign-on' }).click()
    await p.getByTestId('sso-state').filter({ hasText: `Signs in at ${idp.issuer}; client secret set.` }).waitFor({ timeout: T })
    await expect(p.getByTestId('sso-uris').textContent()).resolves.toContain(`${server.url}/v1/sso/callback`)
    expect(await p.content()).not.toContain(idp.clientSecret)
    const stored = await server.server.context.store.getSsoConfig('default' as never)
    expect({ issuer: stored?.issuer, clientId: stored?.clientId, allowedDomains: stored?.allowedDomains, groupsClaim: stored?.groupsClaim }).toEqual({
      issuer: idp.issuer,
      clientId: idp.clientId,
      allowedDomains: ['acme.example'],
      groupsClaim: 'groups',
    })
    await axe(olive, 'single sign-on (set)')
  }, 240_000)

  it('the owner makes a SCIM token, shown once, that works; and revokes another', async () => {
    const p = olive.page
    await tab(p, 'SCIM tokens')
    await p.getByRole('button', { name: 'Create a SCIM token' }).click()
    const secret = (await p.getByTestId('scim-secret').textContent({ timeout: T }))!.trim()
    expect(secret).toMatch(/^scim_[A-Za-z0-9_-]{43}$/)
    await axe(olive, 'SCIM tokens (new token shown)')
    const users = await fetch(`${server.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${secret}` } })
    expect(users.status).toBe(200)
    await p.getByRole('button', { name: 'I have copied it' }).click()
    expect(await p.content()).not.toContain(secret)
    // A second token, revoked from the list: it stops at once.
    await p.getByRole('button', { name: 'Create a SCIM token' }).click()
    const second = (await p.getByTestId('scim-secret').textContent({ timeout: T }))!.trim()
    const id = (await p.getByTestId('scim-new-token').getByRole('heading').textContent())!.replace('New token ', '')
    await p.getByRole('button', { name: `Revoke token ${id}` }).click()
    await p.locator(`[data-token="${id}"][data-revoked="yes"]`).waitFor({ timeout: T })
    expect(await p.content()).not.toContain(second)
    expect((await fetch(`${server.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${second}` } })).status).toBe(401)
    // Revisiting the screen never shows a secret again.
    await tab(p, 'Policy')
    await tab(p, 'SCIM tokens')
    await p.locator('[data-token]').first().waitFor({ timeout: T })
    expect(await p.content()).not.toContain(secret)
    await axe(olive, 'SCIM tokens (list)')
  }, 240_000)

  it('the owner edits the policy; the diff between the verified versions is shown', async () => {
    const p = olive.page
    await tab(p, 'Policy')
    await p.getByTestId('policy-current').filter({ hasText: 'No policy set' }).waitFor({ timeout: T })
    const box = p.getByLabel('Policy document (JSON)')
    const doc = JSON.parse(await box.inputValue())
    doc.approvals.required = ['devices.suspend']
    doc.devices.maxPerPerson = 5
    await box.fill(JSON.stringify(doc, null, 2))
    await p.getByRole('button', { name: 'Publish a new version' }).click()
    await p.getByTestId('policy-outcome').filter({ hasText: 'Published version 1' }).waitFor({ timeout: T })
    await p.getByTestId('policy-current').filter({ hasText: 'Version 1 applies since' }).waitFor({ timeout: T })
    const diff = p.getByTestId('policy-diff')
    await expect(diff.locator('caption').textContent()).resolves.toContain('Changes from version 0 to version 1')
    expect(await diff.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent)))).toEqual([
      ['devices.maxPerPerson', expect.any(String), '5'],
      ['approvals.required', '[]', '["devices.suspend"]'],
    ])
    // A second version, and the diff between the two.
    doc.approvals.validHours = 12
    await box.fill(JSON.stringify(doc, null, 2))
    await p.getByRole('button', { name: 'Publish a new version' }).click()
    await p.getByTestId('policy-outcome').filter({ hasText: 'Published version 2' }).waitFor({ timeout: T })
    await p.getByLabel('From version').selectOption('1')
    await p.getByLabel('To version').selectOption('2')
    await p.getByRole('button', { name: 'Compare', exact: true }).click()
    await diff.locator('caption').filter({ hasText: 'Changes from version 1 to version 2' }).waitFor({ timeout: T })
    expect(await diff.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')))).toEqual(['approvals.validHours'])
    await axe(olive, 'policy (with diff)')
  }, 240_000)

  it('a second admin’s suspension needs approval; the owner declines one request, approves the next, and it runs', async () => {
    const a = adam.page
    await a.getByRole('link', { name: 'Admin', exact: true }).click()
    await a.getByTestId('admin-me').filter({ hasText: 'admin of default' }).waitFor({ timeout: T })
    await a.getByLabel('Case reference').fill('SEC-7')
    await a.getByLabel('Justification').selectOption('security_investigation')
    await a.getByRole('button', { name: 'Devices of erin' }).click()
    await a.getByTestId('admin-device').first().waitFor({ timeout: T })
    const device = (await a.getByTestId('admin-device').first().locator('.device-code').getAttribute('data-device-id'))!
    await a.getByTestId('admin-device').first().getByRole('button', { name: /^Suspend/ }).click()
    await a.getByRole('alert').filter({ hasText: 'second admin’s approval' }).waitFor({ timeout: T }).catch(async (e) => {
      throw new Error(`${(e as Error).message}\n${await a.locator('.main').innerText()}`)
    })
    expect((await server.server.context.store.getDevice(device as never))?.status).toBe('active')
    await a.getByRole('button', { name: 'Ask a second admin to approve' }).click()
    await a.getByTestId('people-outcome').filter({ hasText: 'Approval requested' }).waitFor({ timeout: T })
    await axe(adam, 'people (approval requested)')
    // The owner declines that first request: it is gone, and suspending is refused again.
    const o = olive.page
    await tab(o, 'Approvals')
    await o.locator('[data-approval][data-state="pending"]').getByRole('button', { name: 'Decline adam’s request' }).click()
    await o.getByText('No open requests.').waitFor({ timeout: T })
    await a.getByTestId('admin-device').first().getByRole('button', { name: /^Suspend/ }).click()
    await a.getByRole('alert').filter({ hasText: 'second admin’s approval' }).waitFor({ timeout: T })
    expect((await server.server.context.store.getDevice(device as never))?.status).toBe('active')
    await a.getByRole('button', { name: 'Ask a second admin to approve' }).click()
    await a.getByTestId('people-outcome').filter({ hasText: 'Approval requested' }).waitFor({ timeout: T })
    // Adam cannot approve his own request; the owner can.
    await tab(a, 'Approvals')
    await a.locator('[data-approval]').filter({ hasText: 'waiting for another admin' }).waitFor({ timeout: T })
    await tab(o, 'People and devices')
    await tab(o, 'Approvals')
    const row = o.locator('[data-approval][data-state="pending"]')
    await row.filter({ hasText: 'devices.suspend' }).waitFor({ timeout: T })
    await axe(olive, 'approvals (pending)')
    await row.getByRole('button', { name: 'Approve adam’s request' }).click()
    await o.locator('[data-approval][data-state="approved"]').filter({ hasText: 'approved by olive' }).waitFor({ timeout: T })
    // Adam repeats the suspension: it runs with the approval.
    await tab(a, 'People and devices')
    await a.getByLabel('Case reference').fill('SEC-7')
    await a.getByLabel('Justification').selectOption('security_investigation')
    await a.getByRole('button', { name: 'Devices of erin' }).click()
    await a.getByTestId('admin-device').first().waitFor({ timeout: T })
    await a.getByTestId('admin-device').first().getByRole('button', { name: /^Suspend/ }).click()
    await a.getByTestId('people-outcome').filter({ hasText: 'Suspended' }).waitFor({ timeout: T })
    expect((await server.server.context.store.getDevice(device as never))?.status).toBe('revoked')
  }, 240_000)

  it('the owner grants a role, and the audit trail lists every action with verified proofs', async () => {
    const o = olive.page
    await tab(o, 'Roles')
    await o.getByLabel('Person', { exact: true }).fill('erin')
    await o.getByLabel('Role', { exact: true }).selectOption('auditor')
    await o.getByRole('button', { name: 'Grant role' }).click()
    await o.locator('[data-testid="roles"] [data-user="erin"]').filter({ hasText: 'auditor' }).waitFor({ timeout: T })
    await axe(olive, 'roles')
    await tab(o, 'Audit trail')
    await o.getByTestId('audit-verified').waitFor({ timeout: T })
    const rows = await o.locator('[data-testid="audit"] tbody tr').evaluateAll((trs) =>
      trs.map((r) => ({ action: r.getAttribute('data-action'), who: r.children[2]!.textContent, proof: r.children[6]!.textContent })),
    )
    const actions = rows.map((r) => r.action).reverse()
    expect(actions).toEqual([
      'sso.set',
      'scim_token.create',
      'scim_token.create',
      'scim_token.revoke',
      'policy.set',
      'policy.set',
      'user.read',
      'approval.request',
      'approval.decline',
      'approval.request',
      'approval.approve',
      'user.read',
      'device.suspend',
      'role.grant',
    ])
    expect(rows.every((r) => r.proof === 'verified')).toBe(true)
    expect(rows.find((r) => r.action === 'approval.approve')?.who).toBe('olive (owner)')
    expect(rows.find((r) => r.action === 'device.suspend')?.who).toBe('adam (admin)')
    await expect(o.getByTestId('audit-verified').textContent()).resolves.toMatch(/14 entries, each proven to be in the log of 14 entries signed by the pinned access-log key/)
    await axe(olive, 'audit trail')
    await screenshot(o, 'admin-console-audit')
  }, 240_000)

  it('every console screen passes axe-core’s WCAG 2.1 AA rules', () => {
    expect(violations).toEqual([])
  })
})

// "Sign in with your organisation" in Chromium: acme requires single sign-on at a real OpenID
// Connect provider (oidc-provider on loopback); the person types the organisation, logs in on
// the provider's page, comes back to the web client and is registered as the user the provider
// vouched for — with no user name typed; the ticket does not stay in the address bar.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { startTestIdp, type TestIdp } from '@candor/testkit/test-idp'
import { chromiumAvailable, launchChromium, openDevice } from './support/browser.ts'
import { startCandorServer, type RunningServer } from './support/candor-server.ts'
import { waitOnline } from './support/ui.ts'
import { ensureBuilt } from './support/web-build.ts'

const T = 60_000

describe.skipIf(!chromiumAvailable())('single sign-on in the web client', () => {
  let server: RunningServer
  let browser: Browser
  let idp: TestIdp

  beforeAll(async () => {
    await ensureBuilt()
    ;[server, browser] = await Promise.all([startCandorServer({ ssoAllowInsecureIssuers: true }), launchChromium()])
    idp = await startTestIdp({ redirectUri: `${server.url}/v1/sso/callback`, accounts: { ana: { password: 'ana-pw', email: 'ana@acme.example' } } })
    // The organisation and its provider (the admin API is tested in packages/server/test/sso-sign-in.test.ts).
    const { store, sso } = server.server.context
    await store.createOrganisation({ id: 'acme' as never, name: 'Acme', signup: 'open', createdAt: Date.now() })
    await store.addDomain('acme' as never, 'acme.example', Date.now())
    await store.setSsoConfig('acme' as never, {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecretBox: sso.secrets.seal('acme' as never, idp.clientSecret),
      allowedDomains: ['acme.example'],
      groupsClaim: null,
      requireSso: true,
      reauthMs: 3_600_000,
      updatedAt: Date.now(),
    })
  }, 240_000)
  afterAll(async () => {
    await browser?.close()
    await idp?.close()
    await server?.close()
  })

  it('signs in at the organisation’s provider and registers the person it vouched for', async () => {
    const d = await openDevice(browser, server.url, 'ana')
    const page = d.page
    await page.getByLabel('Organisation').fill('acme')
    await page.getByRole('button', { name: 'Sign in with your organisation' }).click()
    // The provider's login page.
    await page.locator('input[name="login"]').waitFor({ timeout: T })
    expect(page.url()).toContain(idp.issuer)
    await page.locator('input[name="login"]').fill('ana')
    await page.locator('input[name="password"]').fill('ana-pw')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByTestId('me').filter({ hasText: 'ana@acme.example' }).waitFor({ timeout: T })
    await waitOnline(page)
    // The ticket does not stay in the address bar.
    expect(page.url()).not.toContain('ssoTicket')
    expect((await server.server.context.store.ssoIdentityOf('ana@acme.example' as never))?.subject).toBe('ana')
    await d.context.close()
  }, 240_000)

})

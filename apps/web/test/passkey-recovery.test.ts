// The recovery secret kept in a passkey (WebAuthn PRF + largeBlob), with Chromium's virtual
// authenticator (CDP `WebAuthn`, `hasPrf` and `hasLargeBlob`, which this Chromium supports): a
// person sets up recovery and keeps the secret in a passkey, clears the site's data (the passkey
// lives in the authenticator, not the site's storage), and gets back in with "Use a passkey" —
// no secret typed — history included. The passkey holds only the sealed secret.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { chromiumAvailable, launchChromium, openDevice, screenshot, type Device } from './support/browser.ts'
import { startCandorServer, type RunningServer } from './support/candor-server.ts'
import { message, register, send, startConversation, waitOnline } from './support/ui.ts'
import { ensureBuilt } from './support/web-build.ts'

const T = 60_000
/** WebAuthn refuses an IP address as the relying party: the page is opened as localhost. */
const local = (url: string) => url.replace('//127.0.0.1:', '//localhost:')

interface VirtualCredential {
  credentialId: string
  userHandle?: string
  largeBlob?: string
}

describe.skipIf(!chromiumAvailable())('recovery with a passkey in Chromium', () => {
  let server: RunningServer
  let browser: Browser
  const devices: Device[] = []
  let bob: CandorClient

  beforeAll(async () => {
    await ensureBuilt()
    ;[server, browser] = await Promise.all([startCandorServer(), launchChromium()])
    bob = await CandorClient.register({ server: server.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket }, 'bob')
    await bob.connect()
  }, 180_000)
  afterEach(() => {
    const errors = devices.flatMap((d) => d.errors.splice(0))
    expect(errors, 'console errors in the page').toEqual([])
  })
  afterAll(async () => {
    bob?.close()
    await browser?.close()
    await server?.close()
  })

  it('keeps the secret in a passkey, sealed; after the site data is cleared the passkey alone gets the person back in', async () => {
    const alice = await openDevice(browser, local(server.url), 'alice')
    devices.push(alice)
    const cdp = await alice.context.newCDPSession(alice.page)
    await cdp.send('WebAuthn.enable')
    const { authenticatorId } = (await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, hasPrf: true, hasLargeBlob: true, automaticPresenceSimulation: true },
    })) as { authenticatorId: string }

    await register(alice.page, 'alice')
    await startConversation(alice.page, 'bob')
    await send(alice.page, 'before the passkey')
    await alice.page.getByRole('link', { name: /^Settings/ }).click()
    await alice.page.getByRole('button', { name: 'Set up recovery' }).click()
    const secret = (await alice.page.getByTestId('recovery-secret').textContent({ timeout: T }))!.trim()
    await alice.page.getByRole('button', { name: 'Also keep it in a passkey' }).click()
    await alice.page.getByTestId('passkey-saved').waitFor({ timeout: T })
    await screenshot(alice.page, 'passkey-saved')

    // The authenticator holds one passkey for alice, and in it only the sealed secret.
    const { credentials } = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })) as { credentials: VirtualCredential[] }
    expect(credentials).toHaveLength(1)
    expect(Buffer.from(credentials[0]!.userHandle!, 'base64').toString()).toBe('alice')
    const blob = Buffer.from(credentials[0]!.largeBlob ?? '', 'base64')
    expect(blob.length).toBe(12 + Buffer.byteLength(secret) + 16)
    expect(blob.toString('latin1')).not.toContain(secret)
    expect(blob.toString('latin1')).not.toContain(secret.replace(/-/g, ''))

    await alice.page.getByRole('button', { name: 'I wrote it down' }).click()
    await alice.page.getByRole('button', { name: 'Back up history now' }).click()
    await alice.page.getByTestId('backup-done').waitFor({ timeout: T })

    // The person clears the site's data; the passkey stays in the authenticator.
    await alice.page.goto('about:blank')
    await cdp.send('Storage.clearDataForOrigin', { origin: local(server.url), storageTypes: 'all' })
    await alice.page.goto(local(server.url))
    await alice.page.getByRole('tab', { name: 'I lost my devices' }).click()
    await alice.page.getByRole('button', { name: 'Use a passkey' }).click()
    await expect.poll(() => alice.page.getByLabel('User name').inputValue(), { timeout: T }).toBe('alice')
    expect(await alice.page.getByLabel('Recovery secret').inputValue()).toBe(secret)
    await alice.page.getByRole('button', { name: 'Recover my account' }).click()
    await alice.page.getByTestId('me').filter({ hasText: 'alice' }).waitFor({ timeout: T })
    await waitOnline(alice.page)
    await alice.page.locator('[data-testid="conversation-item"][data-members="alice,bob"]').click()
    const old = message(alice.page, 'before the passkey')
    await old.waitFor({ timeout: T })
    await old.getByTestId('transferred').waitFor({ timeout: T })
  }, 240_000)

  it('a passkey that keeps no Candor secret is refused with a clear message', async () => {
    const carol = await openDevice(browser, local(server.url), 'carol')
    devices.push(carol)
    const cdp = await carol.context.newCDPSession(carol.page)
    await cdp.send('WebAuthn.enable')
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, hasPrf: true, hasLargeBlob: true, automaticPresenceSimulation: true },
    })
    // A passkey this site made for something else: no sealed secret in it.
    await carol.page.evaluate(async () => {
      await navigator.credentials.create({
        publicKey: {
          challenge: new Uint8Array(32),
          rp: { name: 'other use' },
          user: { id: new TextEncoder().encode('carol'), name: 'carol', displayName: 'carol' },
          pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
          authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        },
      })
    })
    await carol.page.getByRole('tab', { name: 'I lost my devices' }).click()
    await carol.page.getByRole('button', { name: 'Use a passkey' }).click()
    await carol.page.getByRole('alert').filter({ hasText: 'keeps no Candor recovery secret' }).waitFor({ timeout: T })
    expect(await carol.page.getByLabel('Recovery secret').inputValue()).toBe('')
  }, 240_000)
})

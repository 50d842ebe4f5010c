// Held devices in the admin console (docs/organisations.md "Policies", devices.adminApproval), in
// Chromium against a real server and real SDK clients: the `default` organisation's policy holds a
// new device its person approved; the owner sees it under Approvals (person, device, when),
// approves it with a reason — then the device signs in — and declines another, which is revoked.
// A support admin (no `people.approve`) sees the server's refusal, and nothing is approved.
// axe-core's WCAG 2.1 AA rules run on each state of the screen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { CandorError, DEFAULT_ORG_POLICY } from '@candor/protocol'
import { axeViolations } from './support/axe.ts'
import { chromiumAvailable, openDevice, type Device } from './support/browser.ts'
import { register } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 60_000

describe.skipIf(!chromiumAvailable())('held devices in the admin console', () => {
  const w = webWorld()
  let olive: Device
  let sam: Device
  let root: CandorClient
  let mia: CandorClient
  let laptop: CandorClient
  const sdk: CandorClient[] = []
  const violations: string[] = []
  const options = () => ({ server: w.server.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket })
  const person = async (userId: string) => {
    const c = await CandorClient.register(options(), userId, `${userId}-device`)
    sdk.push(c)
    await c.connect()
    return c
  }
  const statusOf = async (deviceId: string) => (await w.server.server.context.store.getDevice(deviceId as never))?.status
  const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof CandorError ? e.code : String(e)))
  /** A second device of mia's, approved by her own device: held by the policy. */
  const heldDevice = async (name: string) => {
    const d = await CandorClient.enrol(options(), 'mia', name)
    sdk.push(d)
    await mia.approve(d.deviceId)
    expect(await statusOf(d.deviceId)).toBe('pending')
    return d
  }
  const approvals = async (p: Page) => {
    await p.getByRole('link', { name: 'Admin', exact: true }).click()
    await p.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name: 'Approvals', exact: true }).click()
    await p.getByRole('heading', { name: 'Admin console: Approvals' }).waitFor({ timeout: T })
  }
  const axe = async (d: Device, screen: string) => {
    const found = await axeViolations(d.page, screen)
    if (found.length > 0) console.warn(found.join('\n'))
    violations.push(...found)
  }

  beforeAll(async () => {
    ;[olive, sam] = await Promise.all([openDevice(w.browser, w.server.url, 'olive'), openDevice(w.browser, w.server.url, 'sam')])
    w.devices.push(olive, sam)
    sam.allow.push(/status of 403/) // the refusal the test provokes shows as a failed load
    await Promise.all([register(olive.page, 'olive'), register(sam.page, 'sam')])
    root = await person('root')
    await root.admin.enrol((await w.server.server.context.admins.enrolmentToken())!, 'ops')
    await root.admin.grant('olive', 'owner', 'default')
    await root.admin.grant('sam', 'support', 'default')
    mia = await person('mia')
    await root.admin.setPolicy('default', { ...DEFAULT_ORG_POLICY, devices: { ...DEFAULT_ORG_POLICY.devices, adminApproval: true } })
  }, 240_000)

  afterAll(() => {
    for (const c of sdk) c.close()
  })

  it('a support admin, without people.approve, is refused plainly and approves nothing', async () => {
    laptop = await heldDevice('laptop')
    await approvals(sam.page)
    const section = sam.page.getByTestId('held-devices-section')
    await section.getByRole('alert').filter({ hasText: 'Your role does not allow this' }).waitFor({ timeout: T })
    expect(await section.getByRole('button', { name: /^Approve/ }).count()).toBe(0)
    await axe(sam, 'approvals (held devices refused)')
    expect(await statusOf(laptop.deviceId)).toBe('pending')
    expect(await codeOf(laptop.connect())).toBe('forbidden')
  }, 240_000)

  it('the owner approves a held device in the console; it then signs in', async () => {
    const p = olive.page
    await approvals(p)
    const row = p.locator(`[data-held-device="${laptop.deviceId}"]`)
    await row.waitFor({ timeout: T })
    expect(await row.locator('td').evaluateAll((tds) => tds.slice(0, 2).map((td) => td.textContent))).toEqual(['mia', expect.stringMatching(/^laptop /)])
    expect(await row.locator('td').nth(2).textContent()).toMatch(/\d/)
    // A reason first: the buttons wait for a case reference.
    await expect(row.getByRole('button', { name: 'Approve laptop of mia' }).isDisabled()).resolves.toBe(true)
    await axe(olive, 'approvals (a held device)')
    await p.getByLabel('Case reference').fill('DEV-1')
    const approved = laptop.waitForApproval(T)
    await row.getByRole('button', { name: 'Approve laptop of mia' }).click()
    await p.getByTestId('held-devices-outcome').filter({ hasText: 'Approved laptop of mia' }).waitFor({ timeout: T })
    await p.getByText('No devices are held for approval.').waitFor({ timeout: T })
    expect(await statusOf(laptop.deviceId)).toBe('active')
    const trail = await root.admin.audit('default')
    expect(trail.entries.at(-1)!.entry).toMatchObject({
      action: 'device.approve',
      target: `device:${laptop.deviceId}`,
      actor: { kind: 'admin', id: 'olive' },
      details: { userId: 'mia', why: 'support_request', case: 'DEV-1' },
    })
    // The device signs in now.
    await approved
    await laptop.connect()
    expect((await laptop.devices()).find((d) => d.deviceId === laptop.deviceId)?.status).toBe('active')
    await axe(olive, 'approvals (device approved)')
  }, 240_000)

  it('the owner declines a held device: revoked, it never signs in', async () => {
    const phone = await heldDevice('phone')
    const p = olive.page
    // Reopening the screen lists it.
    await p.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name: 'Policy', exact: true }).click()
    await approvals(p)
    const row = p.locator(`[data-held-device="${phone.deviceId}"]`)
    await row.waitFor({ timeout: T })
    await p.getByLabel('Case reference').fill('DEV-2')
    await row.getByRole('button', { name: 'Decline phone of mia' }).click()
    await p.getByTestId('held-devices-outcome').filter({ hasText: 'Declined phone of mia' }).waitFor({ timeout: T })
    await p.getByText('No devices are held for approval.').waitFor({ timeout: T })
    expect(await statusOf(phone.deviceId)).toBe('revoked')
    expect(await codeOf(phone.waitForApproval(1000))).toBe('device_revoked')
  }, 240_000)

  it('every state of the screen passes axe-core’s WCAG 2.1 AA rules', () => {
    expect(violations).toEqual([])
  })
})

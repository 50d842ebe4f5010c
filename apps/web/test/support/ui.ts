// What a person does in the web client, as Playwright steps on accessible names.
import type { Page } from 'playwright-core'

// Waits for what a person would see; generous because Chromium, the server and MLS share a
// loaded 2-core machine (a wait that succeeds returns at once).
const T = 60_000

export async function register(page: Page, userId: string): Promise<void> {
  await page.getByRole('tab', { name: 'Create account' }).click()
  await page.getByLabel('User name').fill(userId)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByTestId('me').filter({ hasText: userId }).waitFor({ timeout: T })
  await waitOnline(page)
}

export async function requestEnrolment(page: Page, userId: string, deviceName: string): Promise<string> {
  await page.getByRole('tab', { name: 'Add this device' }).click()
  await page.getByLabel('User name').fill(userId)
  await page.getByLabel('Name of this device').fill(deviceName)
  await page.getByRole('button', { name: 'Request approval' }).click()
  const code = page.locator('.device-code')
  await code.waitFor({ timeout: T })
  return (await code.getAttribute('data-device-id'))!
}

export async function waitOnline(page: Page): Promise<void> {
  await page.locator('[data-testid="connection-state"][data-state="online"]').waitFor({ timeout: T })
}

/** Starts a conversation from "New"; returns its id. */
export async function startConversation(page: Page, people: string): Promise<string> {
  await page.getByRole('link', { name: 'New', exact: true }).click()
  await page.getByLabel('People').fill(people)
  await page.getByRole('button', { name: 'Start conversation' }).click()
  await page.waitForURL(/#\/c\/[^/]+$/, { timeout: T })
  return conversationIdFromUrl(page)
}

export function conversationIdFromUrl(page: Page): string {
  const m = /#\/c\/([^/]+)/.exec(page.url())
  if (!m) throw new Error(`not on a conversation: ${page.url()}`)
  return decodeURIComponent(m[1]!)
}

export async function openConversation(page: Page, id: string): Promise<void> {
  await page.goto(`${page.url().split('#')[0]}#/c/${encodeURIComponent(id)}`)
  await page.locator('#conversation-title').waitFor({ timeout: T })
}

export function conversationItem(page: Page, members: string) {
  return page.locator(`[data-testid="conversation-item"][data-members="${members}"]`)
}

/** Sends from the open conversation and waits until the server has acknowledged it. */
export async function send(page: Page, text: string): Promise<void> {
  const box = page.locator('#composer-text')
  await box.fill(text)
  await box.press('Enter')
  await message(page, text).and(page.locator('[data-delivery="sent"]')).waitFor({ timeout: T })
}

export function message(page: Page, text: string) {
  return page.getByTestId('message').filter({ has: page.locator('.text', { hasText: new RegExp(`^${escape(text)}$`) }) })
}

export async function messageTexts(page: Page): Promise<string[]> {
  return page.locator('[data-testid="message"] .text').allTextContents()
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

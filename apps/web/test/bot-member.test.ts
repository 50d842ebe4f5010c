// A bot in the web client: a program registered as `bot.echo` (an SDK client in this process,
// answering like examples/echo-bot) joins a person's conversation through the contact request,
// answers, and "Who can read this?" labels it a bot and the person a person.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { chromiumAvailable, launchChromium, openDevice, screenshot, type Device } from './support/browser.ts'
import { startCandorServer, type RunningServer } from './support/candor-server.ts'
import { message, register, send, startConversation } from './support/ui.ts'
import { ensureBuilt } from './support/web-build.ts'

const T = 60_000

describe.skipIf(!chromiumAvailable())('a bot as a member, in the web client', () => {
  let server: RunningServer
  let browser: Browser
  let bot: CandorClient
  const devices: Device[] = []

  beforeAll(async () => {
    await ensureBuilt()
    ;[server, browser] = await Promise.all([startCandorServer(), launchChromium()])
    bot = await CandorClient.register({ server: server.url, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket }, 'bot.echo', 'echo bot')
    await bot.setDisplayName('Echo bot')
    bot.on('request', (r) => void bot.requests.accept(r.requestId))
    bot.on('message', (m) => {
      if (m.direction === 'in' && m.kind === undefined && m.text) void bot.send(m.conversation, `echo: ${m.text}`)
    })
    await bot.connect()
  }, 180_000)

  afterEach(() => {
    const errors = devices.flatMap((d) => d.errors.splice(0))
    expect(errors, 'console errors in the page').toEqual([])
  })

  afterAll(async () => {
    bot?.close()
    await browser?.close()
    await server?.close()
  })

  it('answers, and “Who can read this?” shows it as a bot', async () => {
    const ann = await openDevice(browser, server.url, 'ann')
    devices.push(ann)
    await register(ann.page, 'ann')
    const id = await startConversation(ann.page, 'bot.echo')
    await send(ann.page, 'hello there')
    await message(ann.page, 'echo: hello there').waitFor({ timeout: T })

    await ann.page.goto(`${server.url}/#/c/${encodeURIComponent(id)}/info`)
    const reader = (user: string) => ann.page.locator(`[data-testid="reader"][data-user="${user}"] .kind`)
    await reader('bot.echo').waitFor({ timeout: T })
    expect(await reader('bot.echo').textContent()).toBe('Bot')
    expect(await reader('ann').textContent()).toBe('Person')
    await screenshot(ann.page, 'who-can-read-bot')
  }, 180_000)
})

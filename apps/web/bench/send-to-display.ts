// Time from pressing Enter in one browser context to the message showing in another's
// conversation, through a real server and real MLS in both pages. Prints the figures.
//   npx tsx apps/web/bench/send-to-display.ts [count=50]
import type { Page } from 'playwright-core'
import { launchChromium } from '../test/support/browser.ts'
import { startCandorServer } from '../test/support/candor-server.ts'
import { openConversation, register, send, startConversation } from '../test/support/ui.ts'
import { ensureBuilt } from '../test/support/web-build.ts'

const count = Number(process.argv[2] ?? 50)
const WARMUP = 5

// Runs in the page; kept as source text so the bundler's helpers (e.g. __name) stay out of it.
const whenShown = `({ text, selector }) => new Promise((resolve) => {
  const obs = new MutationObserver(() => {
    if ([...document.querySelectorAll(selector)].some((e) => e.textContent === text)) {
      obs.disconnect()
      resolve(Date.now())
    }
  })
  obs.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-delivery'] })
})`
const whenShownIn = (page: Page, text: string, selector: string) =>
  page.evaluate(`(${whenShown})(${JSON.stringify({ text, selector })})`) as Promise<number>

await ensureBuilt()
const server = await startCandorServer()
const browser = await launchChromium()
try {
  const open = async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } })
    const page = await context.newPage()
    await page.goto(server.url)
    return page
  }
  const [alice, bob] = await Promise.all([open(), open()])
  await Promise.all([register(alice, 'alice'), register(bob, 'bob')])
  const conv = await startConversation(alice, 'bob')
  await send(alice, 'warm-up')
  await openConversation(bob, conv)
  // Both pages share the browser's clock; the sender notes when Enter went down.
  await alice.evaluate(`document.addEventListener('keydown', (e) => { if (e.key === 'Enter') window.__pressedAt = Date.now() }, { capture: true })`)

  const one = async (text: string) => {
    const shown = whenShownIn(bob, text, '[data-testid="message"] .text')
    const acked = whenShownIn(alice, text, '[data-testid="message"][data-delivery="sent"] .text')
    const box = alice.locator('#composer-text')
    await box.fill(text)
    await box.press('Enter')
    const [shownAt, ackedAt] = await Promise.all([shown, acked])
    const pressedAt = await alice.evaluate('window.__pressedAt') as number
    return { display: shownAt - pressedAt, ack: ackedAt - pressedAt }
  }

  for (let i = 0; i < WARMUP; i++) await one(`warm ${i}`)
  const display: number[] = []
  const ack: number[] = []
  for (let i = 0; i < count; i++) {
    const r = await one(`message ${i}`)
    display.push(r.display)
    ack.push(r.ack)
  }
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b)
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!
    return `median ${q(0.5)} ms, p90 ${q(0.9)} ms, min ${s[0]} ms, max ${s.at(-1)} ms`
  }
  console.log(`send → display in the other context (${count} messages, 1:1, Chromium ${browser.version()}):`)
  console.log(`  ${stats(display)}`)
  console.log(`send → "Sent" (server acknowledged) at the sender:`)
  console.log(`  ${stats(ack)}`)
} finally {
  await browser.close()
  await server.close()
}


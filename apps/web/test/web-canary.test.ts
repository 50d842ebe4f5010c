// The plaintext canary in the browser (issue 15): two people in Chromium do everyday messaging —
// a display name set in Settings, messages, a ❤️ reaction, a rename and a topic, a file with a
// distinctive name and contents, a search with no result and one with a hit — and then nothing
// they typed, nor the file's name or contents, is anywhere in the server's data folder (its
// database, WAL and blob folder) or in its debug-level log file. As a control the same scan
// finds the user id `alice` in both the database and the log.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { describeHits, filesUnder, scanForPlaintext } from '@candor/testkit/plaintext-scan'
import { axeViolations } from './support/axe.ts'
import { chromiumAvailable, openDevice, screenshot } from './support/browser.ts'
import { conversationItem, message, openConversation, register, send, startConversation } from './support/ui.ts'
import { webWorld } from './support/web-world.ts'

const T = 30_000
const tag = randomBytes(4).toString('hex')
const NAME = `CANARY-web-name-Zelda-${tag}`
const FIRST = `CANARY-web-first-zephyrquokka-${tag}`
const REPLY = `CANARY-web-reply-überweisung-€-${tag}`
const GROUP_NAME = `CANARY-web-conv-Heron-${tag}`
const TOPIC = `CANARY-web-topic-layoffs-${tag}`
const FILE_NAME = `CANARY-web-file-${tag}-merger plan.txt`
const FILE_BODY = `CANARY-web-contents-${tag}-terms of the merger. `
const MISS = `canarymiss${tag}marmoset`
const HIT = 'zephyrquokka'
const REACTION = '❤️'

describe.skipIf(!chromiumAvailable())('plaintext canary in the web client (Chromium)', () => {
  const w = webWorld({ logFile: true })
  const actions = (page: Page, text: string) => message(page, text).getByTestId('message-actions')

  it('nothing typed, reacted, named or attached reaches the server’s data folder or log', async () => {
    const [alice, bob] = await Promise.all([openDevice(w.browser, w.server.url, 'alice'), openDevice(w.browser, w.server.url, 'bob')])
    w.devices.push(alice, bob)
    await Promise.all([register(alice.page, 'alice'), register(bob.page, 'bob')])

    // Alice's display name, set in Settings.
    await alice.page.getByRole('link', { name: /^Settings/ }).click()
    await alice.page.getByLabel('Display name', { exact: true }).fill(NAME)
    await alice.page.getByRole('button', { name: 'Save name' }).click()
    await alice.page.getByRole('status').filter({ hasText: `Others see “${NAME} (alice)”` }).waitFor({ timeout: T })

    // A conversation and two messages; bob learns alice's name from it.
    const conv = await startConversation(alice.page, 'bob')
    await send(alice.page, FIRST)
    await conversationItem(bob.page, 'alice,bob').waitFor({ timeout: T })
    await openConversation(bob.page, conv)
    await message(bob.page, FIRST).waitFor({ timeout: T })
    await bob.page.locator('#conversation-title', { hasText: `${NAME} (alice)` }).waitFor({ timeout: T })
    await send(bob.page, REPLY)
    await message(alice.page, REPLY).waitFor({ timeout: T })

    // Bob reacts ❤️; alice sees it.
    await actions(bob.page, FIRST).getByRole('button', { name: `React ${REACTION}`, exact: true }).click()
    await message(alice.page, FIRST).locator(`[data-testid="reactions"] li[data-emoji="${REACTION}"][data-count="1"]`).waitFor({ timeout: T })

    // Alice renames the conversation and sets its topic in one form; both see both.
    await alice.page.getByRole('button', { name: 'Rename', exact: true }).click()
    await alice.page.getByLabel('Conversation name').fill(GROUP_NAME)
    await alice.page.getByLabel('Topic', { exact: true }).fill(TOPIC)
    expect(await axeViolations(alice.page, 'rename form with topic', { within: ['[data-testid="rename-form"]', '.pane-header'] })).toEqual([])
    await alice.page.getByRole('button', { name: 'Save name', exact: true }).click()
    for (const d of [alice, bob]) {
      await d.page.locator('#conversation-title', { hasText: GROUP_NAME }).waitFor({ timeout: T })
      await d.page.getByTestId('topic').filter({ hasText: TOPIC }).waitFor({ timeout: T })
    }
    expect(await axeViolations(bob.page, 'header with a topic', { within: ['.pane-header'] })).toEqual([])

    // Bob sends a file with a distinctive name and contents; alice sees it (it stays on the
    // server, encrypted, until she downloads it: she does not, so the blob folder holds it).
    const [chooser] = await Promise.all([bob.page.waitForEvent('filechooser', { timeout: T }), bob.page.getByRole('button', { name: 'Attach a file' }).click()])
    await chooser.setFiles({ name: FILE_NAME, mimeType: 'text/plain', buffer: Buffer.from(FILE_BODY.repeat(400)) })
    await alice.page.getByTestId('attachment').filter({ hasText: FILE_NAME }).waitFor({ timeout: T })
    await screenshot(alice.page, 'web-canary')

    // Alice searches on her device: nothing for one term, her first message for another.
    await alice.page.getByTestId('search').fill(MISS)
    await alice.page.getByText('No messages found on this device.').waitFor({ timeout: T })
    await alice.page.getByTestId('search').fill(HIT)
    const result = alice.page.getByTestId('search-result')
    await result.filter({ hasText: FIRST }).waitFor({ timeout: T })
    expect(await result.count()).toBe(1)

    // The scan: every file in the data folder (database, WAL, blobs) and the log file.
    const dataFiles = filesUnder(w.server.dataDir)
    const db = join(w.server.dataDir, 'candor.db')
    expect(dataFiles).toContain(db)
    expect(dataFiles).toContain(`${db}-wal`)
    expect(dataFiles.some((f) => f.endsWith('.blob'))).toBe(true)
    const log = w.logFile!
    const scan = scanForPlaintext({
      files: [...dataFiles, log],
      secrets: [NAME, FIRST, REPLY, GROUP_NAME, TOPIC, FILE_NAME, FILE_BODY, REACTION, MISS, HIT],
      controls: ['alice'],
    })
    // Control: the user id is in the database and in the log.
    expect(scan.controls['alice']).toContain(log)
    expect(scan.controls['alice']!.some((f) => f === db || f === `${db}-wal`)).toBe(true)
    // ❤️ as UTF-16LE is 4 bytes, too few to tell from chance in ciphertext; its UTF-8 and escaped forms are scanned.
    expect(scan.skipped).toEqual([{ secret: REACTION, encoding: 'utf16le' }])
    expect(scan.hits, describeHits(scan.hits)).toEqual([])
  }, 300_000)
})

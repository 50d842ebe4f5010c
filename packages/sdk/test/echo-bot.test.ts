// The example bot as an integrator runs it: the library packages packed (`npm pack`), installed
// from the tarballs into an empty folder next to examples/echo-bot's files, and run by plain
// `node` against a real server. A person's SDK client starts a conversation with it, gets the
// echo back (end-to-end encrypted both ways), and sees it as a bot: its key-directory entry
// says `kind: bot` and "Who can read this?" lists it as one.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { underBuildLock } from '@candor/testkit/build-lock'
import { decodeDirectoryValue, directoryEntry, fromBase64Url } from '@candor/protocol'
import { decodeLookupProof } from '@candor/transparency'
import { startDevEnv, nextMessage, type DevEnv } from './dev-env.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const EXAMPLE = join(ROOT, 'examples', 'echo-bot')
const PACKED = ['packages/protocol', 'packages/crypto', 'packages/transparency', 'packages/compliance', 'packages/sdk']
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'

let env: DevEnv
let dir: string
let bot: ChildProcess | undefined

beforeAll(async () => {
  env = await startDevEnv()
  dir = mkdtempSync(join(tmpdir(), 'candor-echo-bot-'))
}, 300_000)

afterAll(async () => {
  bot?.kill('SIGTERM')
  await env?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** Starts the bot; resolves with its output lines once it says it is ready. */
function startBot(app: string, server: string): Promise<{ lines: Array<Record<string, unknown>> }> {
  const child = spawn(process.execPath, ['bot.js', server, join(app, 'home')], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] })
  bot = child
  const lines: Array<Record<string, unknown>> = []
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bot did not get ready: ${stderr}`)), 90_000)
    child.on('exit', (code) => reject(new Error(`the bot exited (${code}): ${stderr}`)))
    createInterface({ input: child.stdout }).on('line', (l) => {
      const e = JSON.parse(l) as Record<string, unknown>
      lines.push(e)
      if (e.event === 'ready') {
        clearTimeout(timer)
        resolve({ lines })
      }
    })
  })
}

describe('examples/echo-bot', () => {
  it('installed from the packed packages into an empty folder, answers a person through a real server and shows as a bot', async () => {
    const packs = join(dir, 'packs')
    const app = join(dir, 'app')
    mkdirSync(packs)
    mkdirSync(app)
    // Its prepack step rebuilds dist/: one build of the checkout at a time (the bench starts servers from dist/).
    await underBuildLock(ROOT, () =>
      execFileSync(NPM, ['pack', '--silent', '--pack-destination', packs, ...PACKED.flatMap((w) => ['--workspace', w])], {
        cwd: ROOT,
        stdio: 'pipe',
        env: { ...process.env, npm_config_loglevel: 'error' },
      }),
    )
    const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz'))
    expect(tarballs).toHaveLength(5)
    copyFileSync(join(EXAMPLE, 'bot.js'), join(app, 'bot.js'))
    // The example's package.json names the packages; here they come from the tarballs, not a registry.
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'echo-bot-under-test', private: true, type: 'module' }))
    execFileSync(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', ...tarballs.map((t) => join(packs, t))], { cwd: app, stdio: 'pipe' })

    const { lines } = await startBot(app, env.server.url)
    expect(lines.find((l) => l.event === 'registered')).toMatchObject({ userId: 'bot.echo' })

    const ana = await env.user('ana')
    const conversation = await ana.directConversation('bot.echo')
    const echo = nextMessage(ana, (m) => m.from === 'bot.echo', 60_000)
    await ana.send(conversation, 'hello, bot')
    const m = await echo
    expect(m.text).toBe('echo: hello, bot')
    expect(m.conversation).toBe(conversation)

    // "Who can read this?": the bot, with its device proven in the key directory, as a bot.
    const readers = await ana.whoCanRead(conversation)
    expect(readers.map((r) => ({ userId: r.userId, kind: r.kind, verified: r.devices.every((d) => d.verified) }))).toEqual([
      { userId: 'ana', kind: 'person', verified: true },
      { userId: 'bot.echo', kind: 'bot', verified: true },
    ])
    expect(ana.displayNameOf('bot.echo')).toBe('Echo bot')

    // And its entry in the key directory says so, not only its name.
    const proof = decodeLookupProof(fromBase64Url((await ana.api.directoryLookup('bot.echo')).proof))
    expect(directoryEntry(decodeDirectoryValue(proof!.latest!.value!)!).kind).toBe('bot')
    const person = decodeLookupProof(fromBase64Url((await ana.api.directoryLookup('ana')).proof))
    expect(directoryEntry(decodeDirectoryValue(person!.latest!.value!)!).kind).toBe('person')

    // Each message is answered, not only the first.
    const second = nextMessage(ana, (x) => x.from === 'bot.echo' && x.text === 'echo: again', 60_000)
    await ana.send(conversation, 'again')
    await second
  }, 600_000)
})

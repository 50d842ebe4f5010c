// The SDK as another program gets it: the library packages are built and packed
// (`npm pack`, which runs each package's prepack build), installed from the tarballs into an
// empty folder, and used by plain `node` — no tsx, no source condition — against a real
// server: two people register and one message goes from one to the other.
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { underBuildLock } from '@candor/testkit/build-lock'
import { startDevEnv, type DevEnv } from './dev-env.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const PACKED = ['packages/protocol', 'packages/crypto', 'packages/transparency', 'packages/compliance', 'packages/sdk']
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'

const SCRIPT = `
import { CandorClient, MemoryLocalStore } from '@candor/sdk'
import { nodeWebSocket } from '@candor/sdk/node'
import { nodeCryptoProvider } from '@candor/crypto/node'

const server = process.argv[2]
const options = () => ({ server, store: new MemoryLocalStore(), crypto: nodeCryptoProvider(), webSocket: nodeWebSocket })
const alice = await CandorClient.register(options(), 'packed-alice', 'packed')
const bob = await CandorClient.register(options(), 'packed-bob', 'packed')
await alice.connect()
await bob.connect()
const got = new Promise((resolve) => bob.on('message', (m) => resolve(m)))
const conv = await alice.directConversation('packed-bob')
await alice.send(conv, 'from the packed sdk')
const m = await got
console.log(JSON.stringify({ from: m.from, text: m.text, sdk: import.meta.resolve('@candor/sdk') }))
alice.close()
bob.close()
`

let env: DevEnv
let dir: string

beforeAll(async () => {
  env = await startDevEnv()
  dir = mkdtempSync(join(tmpdir(), 'candor-packed-'))
}, 300_000)

afterAll(async () => {
  await env?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('the packed packages', () => {
  it('install into an empty folder and run under plain node against a real server', async () => {
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
    expect(tarballs.sort()).toEqual(['candor-compliance-0.1.0.tgz', 'candor-crypto-0.1.0.tgz', 'candor-protocol-0.1.0.tgz', 'candor-sdk-0.1.0.tgz', 'candor-transparency-0.1.0.tgz'])

    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'packed-app', private: true, type: 'module' }))
    writeFileSync(join(app, 'main.js'), SCRIPT)
    execFileSync(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', ...tarballs.map((t) => join(packs, t))], {
      cwd: app,
      stdio: 'pipe',
    })
    // Asynchronously: the server under test runs in this process's event loop.
    const { stdout: out } = await promisify(execFile)(process.execPath, ['main.js', env.server.url], { cwd: app, encoding: 'utf8', timeout: 60_000 })
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { from: string; text: string; sdk: string }
    expect(result.from).toBe('packed-alice')
    expect(result.text).toBe('from the packed sdk')
    // The SDK ran from the installed tarball's built JavaScript, not from this checkout.
    expect(result.sdk).toContain(`${app}/node_modules/@candor/sdk/dist/index.js`)
  }, 300_000)
})

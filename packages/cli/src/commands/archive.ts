// `candor archive …`: the organisation's compliance archive as its own process, a client device
// like any other (docs/protocol.md §11, docs/compliance.md). It keeps what it receives only as
// records sealed to the archive key named by its organisation's signed policy — whose private
// half it never holds — and its own device state sealed under the state key of its key file.
import { mkdir, writeFile, readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { generateArchiveKeyPair, parseIndexLine, sealedDigest } from '@candor/compliance'
import { CandorError, archivePolicyOf, fromBase64Url, toBase64Url } from '@candor/protocol'
import { ArchiveKeyCheck, CandorClient, type ClientOptions, type ReceivedContent } from '@candor/sdk'
import { FileLocalStore, nodeWebSocket } from '@candor/sdk/node'
import { nodeCryptoProvider } from '@candor/crypto/node'
import type { GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'
import { createArchiveKeyFile, readArchiveKeyFile } from '../archive/archive-key-file.ts'
import { SealedLocalStore } from '../archive/sealed-local-store.ts'
import { RecordWriter, expiresAtOf } from '../archive/record-writer.ts'
import { AttachmentKeeper } from '../archive/attachment-keeper.ts'
import { ArchiveSweeper } from '../archive/archive-sweeper.ts'
import { ErasureFeed } from '../archive/erasure-feed.ts'

export const ARCHIVE_USAGE = `  candor --server URL --home DIR archive register <user> --org ORG [--key-file PATH]   the archive account
                                              (its device state sealed under a new key file, default DIR/archive-key.json)
  candor archive keygen --out FILE            a new archive key pair: the private half to FILE (mode 600, to be
                                              split among compliance officers), the public half printed for the policy
  candor --home DIR archive run [--key-file PATH] [--update-every SECONDS] [--sweep-every SECONDS]   run the archive:
                                              join where added, announce itself, write sealed records to DIR/records and
                                              DIR/index.jsonl (attachments sealed to DIR/attachments), update its own leaf
                                              every SECONDS (default 3600), delete what timers and retention end, and what
                                              erased people sent, unless a legal hold keeps it, every SECONDS (default 60)
  candor --home DIR archive verify            every record file against its index line, every attachment file
                                              against a record (no key needed)`

export interface ArchiveFlags {
  org: string | undefined
  keyFile: string | undefined
  out: string | undefined
  updateEvery: string | undefined
  sweepEvery: string | undefined
}

const keyFileOf = (g: GlobalFlags, f: ArchiveFlags) => f.keyFile ?? join(g.home, 'archive-key.json')

async function options(g: GlobalFlags, stateKey: Uint8Array, extra: Partial<ClientOptions> = {}): Promise<ClientOptions> {
  const store = new SealedLocalStore(new FileLocalStore(join(g.home, 'device')), stateKey)
  const remembered = await store.get('cli/server')
  const server = g.server ?? remembered
  if (!server) throw new CandorError('bad_request', 'no server: pass --server URL')
  if (server !== remembered) await store.put('cli/server', server)
  return { server, store, crypto: nodeCryptoProvider(), webSocket: nodeWebSocket, archiveAuto: false, ...extra }
}

export async function archive(g: GlobalFlags, sub: string | undefined, args: string[], f: ArchiveFlags): Promise<number> {
  switch (sub) {
    case 'register':
      return register(g, args[0], f)
    case 'keygen':
      return keygen(g, f)
    case 'run':
      return run(g, f)
    case 'verify':
      return verify(g)
    default:
      throw new CandorError('bad_request', `usage:\n${ARCHIVE_USAGE}`)
  }
}

async function register(g: GlobalFlags, userId: string | undefined, f: ArchiveFlags): Promise<number> {
  if (!userId) throw new CandorError('bad_request', 'archive register: name the archive user')
  await mkdir(g.home, { recursive: true, mode: 0o700 })
  const stateKey = await createArchiveKeyFile(keyFileOf(g, f))
  const client = await CandorClient.register(await options(g, stateKey), userId, 'archive', f.org)
  client.close()
  g.json ? printJson({ userId: client.userId, deviceId: client.deviceId }) : process.stdout.write(`registered archive ${client.userId} (device ${client.deviceId}); its state is sealed under ${keyFileOf(g, f)}\n`)
  return 0
}

async function keygen(g: GlobalFlags, f: ArchiveFlags): Promise<number> {
  if (!f.out) throw new CandorError('bad_request', 'archive keygen: --out FILE for the private key')
  const kp = await generateArchiveKeyPair()
  await writeFile(f.out, `${JSON.stringify({ v: 1, archivePrivateKey: toBase64Url(kp.privateKey), archiveKey: toBase64Url(kp.publicKey) })}\n`, { mode: 0o600, flag: 'wx' })
  g.json ? printJson({ archiveKey: toBase64Url(kp.publicKey) }) : process.stdout.write(`archive key (for the policy's archive.archiveKey): ${toBase64Url(kp.publicKey)}\n`)
  return 0
}

const log = (s: string) => process.stdout.write(`${new Date().toISOString()} ${s}\n`)

async function run(g: GlobalFlags, f: ArchiveFlags): Promise<number> {
  const stateKey = await readArchiveKeyFile(keyFileOf(g, f))
  const every = Number(f.updateEvery ?? 3600)
  if (!Number.isFinite(every) || every < 1) throw new CandorError('bad_request', '--update-every: a number of seconds ≥ 1')
  const sweepEvery = Number(f.sweepEvery ?? 60)
  if (!Number.isFinite(sweepEvery) || sweepEvery < 1) throw new CandorError('bad_request', '--sweep-every: a number of seconds ≥ 1')
  let writer: RecordWriter | undefined
  let keeper: AttachmentKeeper | undefined
  let client: CandorClient | null = null
  const onContent = async (e: ReceivedContent): Promise<void> => {
    if (!writer || !keeper || !client) throw new CandorError('unavailable', 'the archive is not ready to write yet')
    // The timer the members' devices apply: the conversation's, as this device knows it, and the message's own.
    const timer = client.conversations().find((c) => c.id === e.groupId)?.timer ?? null
    const k = keeper
    await writer.write(e, expiresAtOf(e, timer), (record) => k.keep(record))
  }
  client = await CandorClient.open(await options(g, stateKey, { onContent }))
  if (!client) throw new CandorError('not_found', `no archive device in ${g.home}: run "candor archive register" first`)
  const c: CandorClient = client
  c.on('error', (e) => process.stderr.write(`warning: ${e.where}: ${(e.error as Error).message ?? String(e.error)}\n`))
  // The key to seal to is the one the organisation's signed policy names for this account.
  const policy = await c.policy()
  const a = archivePolicyOf(policy.policy)
  if (a.account !== c.userId) throw new CandorError('forbidden', `${policy.org}'s policy (v${policy.version}) does not name ${c.userId} as its archive`)
  const archiveKey = a.archiveKey === null ? null : fromBase64Url(a.archiveKey)
  if (!archiveKey || archiveKey.length !== 32) throw new CandorError('bad_request', `${policy.org}'s policy names no archive key`)
  // …and only if k of n officers hold its private half: the key of a record their ceremony published (§11.2, §11.7).
  const proven = await new ArchiveKeyCheck((org, version) => c.compliance.archiveKey(org, version)).check(policy.org, a.archiveKey)
  if (!proven.proven) throw new CandorError('forbidden', `not sealing to ${policy.org}'s policy key: ${proven.reason}`)
  writer = new RecordWriter(g.home, archiveKey)
  keeper = new AttachmentKeeper(g.home, archiveKey, (ref, sink) => c.downloadAttachmentTo(ref, sink), (m) => process.stderr.write(`warning: ${m}\n`))
  let retention = { at: Date.now(), days: a.retentionDays }
  // Erasure notices of the organisation's people, checked against the access-log key this device pinned (§11.12).
  const feed = new ErasureFeed({ dir: g.home, page: (from) => c.compliance.erasures(policy.org, from), log })
  await feed.load()
  const sweeper = new ArchiveSweeper({
    erased: () => feed.erased(),
    dir: g.home,
    lock: writer.lock,
    holds: async () => (await c.compliance.holds(policy.org)).holds,
    retentionDays: async () => {
      // The policy read again at most once a minute (a retention change applies within a minute).
      if (Date.now() - retention.at > 60_000) retention = { at: Date.now(), days: archivePolicyOf((await c.policy()).policy).retentionDays }
      return retention.days
    },
  })
  const recovered = await sweeper.recover()
  if (recovered > 0) log(`finished an interrupted deletion of ${recovered} records`)
  const announced = async (conversation: string): Promise<void> => {
    try {
      await c.archive.announce(conversation, policy.org, policy.version)
      log(`joined ${conversation}: announced "Archived by ${policy.org}, policy v${policy.version}"`)
    } catch (e) {
      process.stderr.write(`warning: announcing in ${conversation}: ${(e as Error).message}\n`)
    }
  }
  c.on('conversation', ({ id, change }) => {
    if (change === 'joined') void announced(id)
  })
  await c.connect()
  log(`archive ${c.userId} of ${policy.org} running (policy v${policy.version}); sealing to ${toBase64Url(archiveKey)}`)
  const timer = setInterval(() => {
    void (async () => {
      for (const conv of c.conversations()) {
        if (conv.status !== 'active') continue
        await c.archive.updateOwnLeaf(conv.id).then(
          () => log(`updated its own leaf in ${conv.id}`),
          (e: unknown) => process.stderr.write(`warning: leaf update in ${conv.id}: ${(e as Error).message}\n`),
        )
      }
    })()
  }, every * 1000)
  let sweeping = false
  let lastHeld = 0
  const sweepTimer = setInterval(() => {
    if (sweeping) return
    sweeping = true
    feed
      .poll()
      .catch((e: unknown) => process.stderr.write(`warning: reading erasure notices (none taken): ${(e as Error).message}\n`))
      .then(() => sweeper.sweep())
      .then((r) => {
        for (const [conversation, ids] of r.byConversation) log(`deleted ${ids.length} records of ${conversation} (timer, retention or sender's erasure)`)
        if (r.erased > 0) log(`deleted ${r.erased} records sent by erased people`)
        if (r.held !== lastHeld) log(`keeping ${r.held} records past their timer or retention: a legal hold covers them`)
        lastHeld = r.held
      })
      .catch((e: unknown) => process.stderr.write(`warning: deletion sweep (nothing deleted): ${(e as Error).message}\n`))
      .finally(() => (sweeping = false))
  }, sweepEvery * 1000)
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve)
    process.once('SIGINT', resolve)
  })
  clearInterval(timer)
  clearInterval(sweepTimer)
  c.close()
  log(`stopped; ${writer.written} records written`)
  return 0
}

async function verify(g: GlobalFlags): Promise<number> {
  const lines = (await readFile(join(g.home, 'index.jsonl'), 'utf8').catch(() => '')).split('\n').filter((l) => l !== '')
  const files = new Set((await readdir(join(g.home, 'records')).catch(() => [] as string[])).filter((n) => n.endsWith('.car')))
  const problems: string[] = []
  for (const [i, text] of lines.entries()) {
    const line = parseIndexLine(text)
    const name = `${line.id}.car`
    if (!files.delete(name)) {
      problems.push(`line ${i + 1}: ${name} is missing`)
      continue
    }
    if (sealedDigest(new Uint8Array(await readFile(join(g.home, 'records', name)))) !== line.sha256) problems.push(`line ${i + 1}: ${name} does not match its SHA-256`)
  }
  for (const n of files) problems.push(`${n}: no index line`)
  // Attachment files (`<record id>-<n>.caf`) belong to a record with an index line.
  const ids = new Set(lines.map((t) => parseIndexLine(t).id))
  for (const n of await readdir(join(g.home, 'attachments')).catch(() => [] as string[])) {
    const dash = n.lastIndexOf('-')
    if (n.endsWith('.caf') && !ids.has(n.slice(0, dash))) problems.push(`attachments/${n}: its record has no index line`)
  }
  if (g.json) printJson({ records: lines.length, problems })
  else process.stdout.write(`${lines.length} records; ${problems.length === 0 ? 'every file matches its index line' : problems.join('\n')}\n`)
  return problems.length === 0 ? 0 : 1
}

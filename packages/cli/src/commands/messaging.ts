// send, read and chat.
import { createInterface } from 'node:readline'
import { isGroupId, normaliseUserName } from '@candor/protocol'
import { sessionResumes, type CandorClient, type MessageRecord } from '@candor/sdk'
import { FileLocalStore } from '@candor/sdk/node'
import { connectedDevice, type GlobalFlags } from '../device-session.ts'
import { formatFailure, formatMessage, messageJson, printJson } from '../output.ts'

/**
 * A conversation id this device is in, else a user (as a person types it) to talk to directly.
 * A user id with '@' or '.' can never read as a conversation id; a plain one only by equalling
 * a random 128-bit id this device is in.
 */
export async function resolveConversation(client: CandorClient, target: string): Promise<string> {
  if (isGroupId(target) && client.conversations().some((c) => c.id === target)) return target
  return client.directConversation(normaliseUserName(target, 'user'))
}

export async function send(g: GlobalFlags, target: string, text: string): Promise<number> {
  const client = await connectedDevice(g)
  try {
    const conversation = await resolveConversation(client, target)
    const m = await client.send(conversation, text)
    if (g.json) printJson(messageJson(m))
    else process.stdout.write(`sent ${m.id} to ${conversation}\n`)
  } finally {
    client.close()
  }
  return 0
}

const CURSOR = 'cli/read-cursor'
/** The position of the last recipient report (that one of this device's messages could not be decrypted) shown. */
const FAILURES_CURSOR = 'cli/read-failures-cursor'
const SPLIT_VIEW_WAIT_MS = 10_000

export async function read(g: GlobalFlags): Promise<number> {
  const client = await connectedDevice(g)
  try {
    const cursorStore = new FileLocalStore(g.home)
    // The cursor is an inbox seq, not an index: expired messages leave the inbox.
    const cursor = Number((await cursorStore.get(CURSOR)) ?? '0')
    const inbox = await client.inbox()
    const fresh = inbox.filter((m, i) => (m.seq ?? i) >= cursor).filter((m) => m.direction === 'in' || m.fromDevice !== client.deviceId)
    // Messages shown before that changed since (edited, deleted, reacted to, delivered or read) are shown again, once per change.
    const printed = new Set(fresh.map((m) => m.id))
    const changed = await changedSince(cursorStore, inbox.filter((m) => !printed.has(m.id)), inbox)
    for (const m of [...changed, ...fresh]) {
      // docs/protocol.md §7: the sender's display name beside (never instead of) their user id.
      if (g.json) printJson({ ...messageJson(m), fromName: client.displayNameOf(m.from) })
      else process.stdout.write(`${formatMessage(m)}\n`)
    }
    const last = inbox.at(-1)
    if (last) await cursorStore.put(CURSOR, String(Math.max(cursor, (last.seq ?? inbox.length - 1) + 1)))
    const failed = await newFailures(client, cursorStore, inbox, g.json)
    if (!g.json && fresh.length === 0 && changed.length === 0 && failed === 0) process.stdout.write('no new messages\n')
    // Its senders learn these were delivered before this short-lived process goes.
    await client.features.flushReceipts()
    // Someone who used one of this device's group links is added before this process goes.
    await client.groupInvites.settled()
    // The messages' checkpoints are checked before this short-lived process goes (alerts go to
    // stderr); a server that does not answer does not keep it here for long.
    await Promise.race([client.splitViewChecks(), new Promise((r) => setTimeout(r, SPLIT_VIEW_WAIT_MS).unref())])
  } finally {
    client.close()
  }
  return 0
}

const SHOWN = 'cli/read-shown'
const SHOWN_KEPT = 2000

/** What of a record `read` shows again when it changes. */
function fingerprint(m: MessageRecord): string {
  return JSON.stringify([m.text, m.edited ?? false, m.deleted ?? false, m.reactions ?? {}, m.receipts ?? {}])
}

/**
 * The records not printed now (shown by an earlier read, or this device's own) that changed
 * since last seen — or, never seen by `read`, since they were sent; remembers the fingerprints
 * of the latest records.
 */
async function changedSince(store: FileLocalStore, others: readonly MessageRecord[], inbox: readonly MessageRecord[]): Promise<MessageRecord[]> {
  const shown = new Map<string, string>(Object.entries(JSON.parse((await store.get(SHOWN)) ?? '{}') as Record<string, string>))
  const pristine = (m: MessageRecord) => JSON.stringify([m.text, false, false, {}, {}])
  const changed = others.filter((m) => m.kind === undefined && (shown.get(m.id) ?? pristine(m)) !== fingerprint(m))
  const next: Record<string, string> = {}
  for (const m of inbox.slice(-SHOWN_KEPT)) if (m.kind === undefined) next[m.id] = fingerprint(m)
  await store.put(SHOWN, JSON.stringify(next))
  return changed
}

/**
 * Reports learnt since the last read that a recipient could not decrypt one of this device's
 * messages: with --json, the message again with its `status: "failed"` and every `failedFor`
 * so far (once per message); otherwise a line per report.
 */
async function newFailures(client: CandorClient, cursorStore: FileLocalStore, inbox: readonly MessageRecord[], json: boolean): Promise<number> {
  const seen = Number((await cursorStore.get(FAILURES_CURSOR)) ?? '0')
  const failures = await client.deliveryFailures(seen)
  if (failures.length === 0) return 0
  const byId = new Map(inbox.map((m) => [m.id, m]))
  if (json) {
    for (const id of new Set(failures.map((f) => f.messageId))) {
      const m = byId.get(id)
      if (m) printJson(messageJson(m))
    }
  } else {
    for (const f of failures) process.stdout.write(`${formatFailure(f, byId.get(f.messageId))}\n`)
  }
  await cursorStore.put(FAILURES_CURSOR, String(failures.at(-1)!.n))
  return failures.length
}

export async function chat(g: GlobalFlags, target: string): Promise<number> {
  const client = await connectedDevice(g)
  const conversation = await resolveConversation(client, target)
  for (const m of (await client.history(conversation)).slice(-20)) process.stdout.write(`${formatMessage(m)}\n`)
  client.on('message', (m) => {
    if (m.conversation === conversation) process.stdout.write(`${formatMessage(m)}\n`)
  })
  client.on('connection', (s) => {
    if (s !== 'online') process.stdout.write(`(${s})\n`)
  })
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY })
  // The device's session is over (revoked, suspended, erased): connectedDevice said why; stop.
  let ended = false
  client.on('session_ended', (e) => {
    if (sessionResumes(e.reason)) return
    ended = true
    rl.close()
  })
  process.stdout.write(`chatting in ${conversation}; type a message and press Enter, Ctrl-D to quit\n`)
  for await (const line of rl) {
    const text = line.trim()
    if (!text) continue
    try {
      await client.send(conversation, text)
    } catch (e) {
      process.stderr.write(`not sent: ${(e as Error).message}\n`)
    }
  }
  await client.groupInvites.settled()
  client.close()
  return ended ? 1 : 0
}

// The leading tab: it runs the SDK client (the one connection and the MLS state) and serves the
// other tabs of this browser — their calls run on its client, its events and the state they
// read synchronously go to them on the BroadcastChannel.
import type { CandorClient, ClientEvents } from '@candor/sdk'
import { announceOwnSends } from './own-sends.ts'
import { CHANNEL, fromWireArg, toWireError, toWirePayload, type Mirror, type TabMessage } from './tab-messages.ts'

/** Every client event (ClientEvents in the SDK), so followers hear all of them. */
const EVENTS: Record<keyof ClientEvents & string, true> = {
  message: true,
  conversation: true,
  update: true,
  typing: true,
  report: true,
  connection: true,
  enrolment: true,
  recovered_device: true,
  request: true,
  request_settled: true,
  legal_holds: true,
  alert: true,
  error: true,
  status: true,
  expired: true,
  timer: true,
  archive: true,
  session_ended: true,
  profile: true,
}

/** Calls a follower may not make: they would end or replace the leader's client for every tab. */
const REFUSED = new Set(['close', 'on', 'off', 'emit'])

export function mirrorOf(client: CandorClient): Mirror {
  const conversations = client.conversations()
  const names: Record<string, string | null> = {}
  const avatars: Mirror['avatars'] = {}
  const info: Mirror['info'] = {}
  const typing: Mirror['typing'] = {}
  for (const u of new Set([client.userId, ...conversations.flatMap((c) => c.members)])) {
    names[u] = client.displayNameOf(u)
    avatars[u] = client.avatarOf(u)
  }
  for (const c of conversations) {
    info[c.id] = client.features.info(c.id)
    typing[c.id] = client.features.typingIn(c.id)
  }
  return {
    userId: client.userId,
    deviceId: client.deviceId,
    status: client.status,
    connectionState: client.connectionState,
    conversations,
    names,
    avatars,
    info,
    typing,
    readReceipts: client.features.readReceipts,
  }
}

/** Starts serving the other tabs; returns the function that stops it. */
export function serveFollowers(client: CandorClient): () => void {
  announceOwnSends(client)
  const channel = new BroadcastChannel(CHANNEL)
  const post = (m: TabMessage) => channel.postMessage(m)
  const unsubscribe = (Object.keys(EVENTS) as Array<keyof ClientEvents & string>).map((name) =>
    client.on(name, (payload) => post({ t: 'event', name, payload: toWirePayload(name, payload), mirror: mirrorOf(client) })),
  )
  channel.onmessage = (e: MessageEvent<TabMessage>) => {
    const m = e.data
    if (m.t === 'hello') post({ t: 'ready', mirror: mirrorOf(client) })
    else if (m.t === 'call') void run(client, m, post)
  }
  post({ t: 'ready', mirror: mirrorOf(client) })
  return () => {
    for (const f of unsubscribe) f()
    channel.close()
  }
}

async function run(client: CandorClient, m: Extract<TabMessage, { t: 'call' }>, post: (m: TabMessage) => void): Promise<void> {
  try {
    const name = m.path.at(-1)
    if (name === undefined || REFUSED.has(name) || m.path.some((p) => p.startsWith('#') || p === 'constructor' || p === '__proto__')) {
      throw new Error(`another tab cannot call ${m.path.join('.')}`)
    }
    let self: unknown = client
    for (const p of m.path.slice(0, -1)) self = (self as Record<string, unknown>)[p]
    const f = (self as Record<string, unknown>)[name]
    if (typeof f !== 'function') throw new Error(`no such call: ${m.path.join('.')}`)
    const args = m.args.map((a) => fromWireArg(a, (index) => (...cbArgs) => post({ t: 'callback', to: m.from, id: m.id, index, args: cbArgs })))
    const value: unknown = await (f as (...a: unknown[]) => unknown).apply(self, args)
    post({ t: 'result', to: m.from, id: m.id, ok: true, value, mirror: mirrorOf(client) })
  } catch (error) {
    post({ t: 'result', to: m.from, id: m.id, ok: false, error: toWireError(error), mirror: mirrorOf(client) })
  }
}

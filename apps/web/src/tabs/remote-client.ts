// A following tab's stand-in for the SDK client: what the views read synchronously comes from
// the leader's last mirror; every other call runs on the leader's client and answers here; the
// leader's events are emitted here as the client's own. Typed as a CandorClient, so the
// Messenger and the views work unchanged in either kind of tab.
import type { CandorClient } from '@candor/sdk'
import { CHANNEL, fromWireError, fromWirePayload, newTabId, toWireArg, type Mirror, type TabMessage } from './tab-messages.ts'

interface Pending {
  resolve(v: unknown): void
  reject(e: Error): void
  callbacks: Array<(...a: unknown[]) => unknown>
}

export class LeaderGone extends Error {
  constructor() {
    super('The tab that held the connection closed; this tab takes over. Try again.')
  }
}

export class RemoteClient {
  readonly #id = newTabId()
  readonly #channel = new BroadcastChannel(CHANNEL)
  readonly #pending = new Map<number, Pending>()
  readonly #listeners = new Map<string, Set<(e: unknown) => void>>()
  #next = 0
  #mirror: Mirror

  private constructor(mirror: Mirror) {
    this.#mirror = mirror
    this.#channel.onmessage = (e: MessageEvent<TabMessage>) => this.#receive(e.data)
  }

  /** Waits for a ready leader (asking for one now and hearing it when one becomes ready). */
  static connect(signal?: AbortSignal): Promise<RemoteClient> {
    return new Promise((resolve, reject) => {
      const channel = new BroadcastChannel(CHANNEL)
      const done = () => channel.close()
      channel.onmessage = (e: MessageEvent<TabMessage>) => {
        if (e.data.t !== 'ready') return
        done()
        resolve(new RemoteClient(e.data.mirror))
      }
      signal?.addEventListener('abort', () => {
        done()
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
      })
      channel.postMessage({ t: 'hello', from: newTabId() } satisfies TabMessage)
    })
  }

  /** The client as the Messenger and the views use it. */
  get client(): CandorClient {
    return this.#proxy([]) as CandorClient
  }

  /** Stops listening; calls still waiting fail with LeaderGone. */
  detach(): void {
    this.#channel.close()
    for (const p of this.#pending.values()) p.reject(new LeaderGone())
    this.#pending.clear()
    this.#listeners.clear()
  }

  #receive(m: TabMessage): void {
    if (m.t === 'ready') this.#mirror = m.mirror
    else if (m.t === 'event') {
      this.#mirror = m.mirror
      const payload = fromWirePayload(m.name, m.payload)
      for (const f of [...(this.#listeners.get(m.name) ?? [])]) f(payload)
    } else if (m.t === 'callback' && m.to === this.#id) {
      void this.#pending.get(m.id)?.callbacks[m.index]?.(...m.args)
    } else if (m.t === 'result' && m.to === this.#id) {
      this.#mirror = m.mirror
      const p = this.#pending.get(m.id)
      this.#pending.delete(m.id)
      if (m.ok) p?.resolve(m.value)
      else p?.reject(fromWireError(m.error))
    }
  }

  async #call(path: string[], args: unknown[]): Promise<unknown> {
    const callbacks: Pending['callbacks'] = []
    const wire = await Promise.all(args.map((a) => toWireArg(a, callbacks)))
    const id = ++this.#next
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, callbacks })
      this.#channel.postMessage({ t: 'call', from: this.#id, id, path, args: wire } satisfies TabMessage)
    })
  }

  #on(name: string, f: (e: unknown) => void): () => void {
    const set = this.#listeners.get(name) ?? new Set()
    this.#listeners.set(name, set)
    set.add(f)
    return () => void set.delete(f)
  }

  /** What is read without waiting: from the mirror. Undefined: a call to the leader. */
  #local(path: readonly string[]): { value: unknown } | undefined {
    const m = this.#mirror
    switch (path.join('.')) {
      case 'userId':
        return { value: m.userId }
      case 'deviceId':
        return { value: m.deviceId }
      case 'status':
        return { value: m.status }
      case 'connectionState':
        return { value: m.connectionState }
      case 'features.readReceipts':
        return { value: m.readReceipts }
      case 'conversations':
        return { value: () => this.#mirror.conversations }
      case 'displayNameOf':
        return { value: (u: string) => this.#mirror.names[u] ?? null }
      case 'avatarOf':
        return { value: (u: string) => this.#mirror.avatars[u] ?? null }
      case 'features.info':
        return { value: (id: string) => this.#mirror.info[id] ?? { name: null, topic: null, pinned: false, muted: false } }
      case 'features.typingIn':
        return { value: (id: string) => this.#mirror.typing[id] ?? [] }
      case 'on':
        return { value: (name: string, f: (e: unknown) => void) => this.#on(name, f) }
      // Closing a following tab's view closes nothing of the leader's.
      case 'close':
        return { value: () => undefined }
      // The leading tab hears the browser's online and offline events itself.
      case 'dropConnection':
      case 'reconnectNow':
        return { value: () => undefined }
      // Not a promise: `await client` must not call the leader.
      case 'then':
        return { value: undefined }
    }
    return undefined
  }

  #proxy(path: string[]): unknown {
    return new Proxy(function () {}, {
      get: (_t, prop) => {
        if (typeof prop !== 'string') return undefined
        const next = [...path, prop]
        const local = this.#local(next)
        return local ? local.value : this.#proxy(next)
      },
      apply: (_t, _self, args: unknown[]) => this.#call(path, args),
    })
  }
}

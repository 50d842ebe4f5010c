// Load-generator side of Prosody: XMPP over TCP with @xmpp/client (SASL ANONYMOUS, no TLS).
// A message is <message type="chat" to="peer full JID"><body>sentAt tag sender padding</body>;
// the body is as long as the other systems' opaque payload.
import xmppClient from '@xmpp/client'
import type { Socket } from 'node:net'
import { noop, type ConnectOptions, type Driver, type Endpoint } from './driver.ts'

const { client, xml } = xmppClient as unknown as {
  client: (o: Record<string, unknown>) => XmppClient
  xml: (name: string, attrs?: Record<string, string>, ...children: unknown[]) => unknown
}

interface Stanza {
  is(name: string): boolean
  getChildText(name: string): string | null
}

interface XmppClient {
  start(): Promise<{ toString(): string }>
  stop(): Promise<void>
  send(el: unknown): Promise<void>
  on(ev: 'stanza', f: (s: Stanza) => void): void
  on(ev: 'error' | 'offline', f: (e?: unknown) => void): void
  socket?: Socket
  reconnect: { stop(): void }
}

export class XmppDriver implements Driver {
  readonly name = 'prosody'
  readonly #service: string
  readonly #domain: string
  readonly #clients: XmppClient[] = []

  constructor(port: number, domain: string) {
    this.#service = `xmpp://127.0.0.1:${port}`
    this.#domain = domain
  }

  async #open(): Promise<{ c: XmppClient; jid: string }> {
    const c = client({ service: this.#service, domain: this.#domain })
    c.on('error', noop)
    this.#clients.push(c)
    const jid = (await c.start()).toString()
    c.socket?.setNoDelay(true)
    await c.send(xml('presence'))
    return { c, jid }
  }

  async connect(o: ConnectOptions): Promise<Endpoint[]> {
    if (o.groupSize !== 2) throw new Error('the Prosody driver runs 1:1 scenarios only')
    const conns: { c: XmppClient; jid: string }[] = []
    // Connect in batches: @xmpp/client does a full stream negotiation per client.
    for (let i = 0; i < o.clients; i += 50) {
      conns.push(...(await Promise.all(Array.from({ length: Math.min(50, o.clients - i) }, () => this.#open()))))
    }
    const pad = 'x'.repeat(o.payloadBytes)
    return conns.map(({ c }, i) => {
      const peer = conns[i ^ 1]!.jid
      const ep: Endpoint = {
        index: i,
        group: i >> 1,
        send(sentAt, tag) {
          const head = `${sentAt} ${tag} ${i} `
          const body = head + pad.slice(head.length)
          void c.send(xml('message', { to: peer, type: 'chat' }, xml('body', {}, body))).catch(noop)
        },
        onReceive: noop,
        onRefused: noop,
      }
      c.on('stanza', (s) => {
        if (!s.is('message')) return
        const body = s.getChildText('body')
        if (!body) return
        const [t, tag, sender] = body.split(' ', 3)
        ep.onReceive({ sentAt: Number(t), tag: Number(tag), sender: Number(sender) })
      })
      return ep
    })
  }

  async close(): Promise<void> {
    for (const c of this.#clients) {
      try {
        c.reconnect.stop()
        c.socket?.destroy()
      } catch {
        // already gone
      }
    }
    this.#clients.length = 0
  }
}

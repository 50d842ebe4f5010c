// Load-generator side of the ceiling relay: [u32 destination][f64 sentAt][u32 tag][u32 sender][padding].
import WebSocket from 'ws'
import { noop, sourceAddress, type ConnectOptions, type Driver, type Endpoint, type Received } from './driver.ts'

const GROUP_BIT = 0x80000000

function open(url: string, localAddress: string): Promise<{ ws: WebSocket; ready: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, localAddress })
    let hello: () => void = noop
    const ready = new Promise<void>((r) => (hello = r))
    ws.once('message', () => hello())
    ws.once('open', () => {
      const sock = (ws as unknown as { _socket?: { setNoDelay(b: boolean): void } })._socket
      sock?.setNoDelay(true)
      resolve({ ws, ready })
    })
    ws.once('error', reject)
  })
}

export class CeilingDriver implements Driver {
  readonly name = 'ceiling'
  readonly #url: string
  readonly #sockets: WebSocket[] = []
  #idle = 0

  constructor(port: number) {
    this.#url = `ws://127.0.0.1:${port}/`
  }

  async connect(o: ConnectOptions): Promise<Endpoint[]> {
    const eps: Endpoint[] = []
    const conns = await Promise.all(
      Array.from({ length: o.clients }, (_, i) => {
        const g = Math.floor(i / o.groupSize)
        return open(`${this.#url}?id=${i}&group=${g}`, sourceAddress(i))
      }),
    )
    for (let i = 0; i < o.clients; i++) {
      const { ws } = conns[i]!
      this.#sockets.push(ws)
      const group = Math.floor(i / o.groupSize)
      const dest = o.groupSize === 2 ? i ^ 1 : (GROUP_BIT | group) >>> 0
      const ep: Endpoint = {
        index: i,
        group,
        send(sentAt, tag) {
          const b = Buffer.allocUnsafe(4 + o.payloadBytes)
          b.writeUInt32BE(dest, 0)
          b.writeDoubleLE(sentAt, 4)
          b.writeUInt32LE(tag, 12)
          b.writeUInt32LE(i, 16)
          b.fill(0x61, 20)
          ws.send(b)
        },
        onReceive: noop,
        onRefused: noop,
      }
      ws.on('message', (d: Buffer) => {
        if (d.length < 20) return
        const m: Received = { sentAt: d.readDoubleLE(4), tag: d.readUInt32LE(12), sender: d.readUInt32LE(16) }
        ep.onReceive(m)
      })
      eps.push(ep)
    }
    return eps
  }

  async prepareIdle(n: number): Promise<void> {
    this.#idle = n
  }

  async openIdle(): Promise<{ opened: number; failed: number }> {
    let failed = 0
    const base = 1_000_000
    const rs = await Promise.all(
      Array.from({ length: this.#idle }, (_, i) =>
        open(`${this.#url}?id=${base + i}`, sourceAddress(i)).then(
          async ({ ws, ready }) => {
            this.#sockets.push(ws)
            await ready
            return 1
          },
          () => {
            failed++
            return 0
          },
        ),
      ),
    )
    return { opened: rs.reduce<number>((a, b) => a + b, 0), failed }
  }

  async close(): Promise<void> {
    for (const ws of this.#sockets) ws.terminate()
    this.#sockets.length = 0
  }
}

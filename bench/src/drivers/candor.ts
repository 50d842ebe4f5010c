// Load-generator side of Candor, written against @candor/protocol: devices with Ed25519 keys
// register and sign in over HTTP, conversations are groups created and populated with a
// real MLS commit (the server validates it against the group's public state, docs/protocol.md
// §5.1), and messages travel as binary WebSocket frames (send → accepted, deliver → ack).
// Application payloads are opaque MLS-PrivateMessage-shaped frames (a valid plaintext MLS header
// naming the group, then filler) standing in for ciphertext.
import { randomBytes } from 'node:crypto'
import WebSocket from 'ws'
import { authStatement, encodeAuth, registrationStatement, toBase64Url } from '@candor/protocol'
import {
  clientConfigWith,
  commitChanges,
  decodeKeyPackage,
  generateDeviceKey,
  getSuite,
  groupInfoForExternalJoin,
  newKeyPackage,
  signDetached,
  startGroup,
  type MlsSuite,
} from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { CandorHttp, pool } from './candor-http.ts'
import { noop, sourceAddress, type ConnectOptions, type Driver, type Endpoint, type Received } from './driver.ts'

export interface Device {
  index: number
  userId: string
  deviceId: string
  token: string
  /** The device's Ed25519 key pair (its MLS signature key too). */
  publicKey: Uint8Array
  secretKey: Uint8Array
}

let suite: Promise<MlsSuite> | undefined
/** The bench's devices check nobody's credentials: they only carry load. */
const benchConfig = clientConfigWith({ validateCredential: async () => true })

/** Plaintext header of an MLS PrivateMessage (RFC 9420 §6): version, wire format, group id, epoch, content type. */
export function mlsHeader(groupId: Uint8Array, epoch: number, contentType: number): Buffer {
  const b = Buffer.alloc(4 + 1 + groupId.length + 8 + 1)
  b.writeUInt16BE(1, 0) // mls10
  b.writeUInt16BE(2, 2) // mls_private_message
  b[4] = groupId.length // varint, one byte for < 64
  b.set(groupId, 5)
  b.writeBigUInt64BE(BigInt(epoch), 5 + groupId.length)
  b[13 + groupId.length] = contentType
  return b
}

const MLS_HEADER = 30 // with a 16-byte group id
const DELIVER_HEADER = 66
const T = { send: 0x01, ack: 0x02, accepted: 0x81, error: 0x82, deliver: 0x83, notice: 0x84 } as const

export interface Conn {
  ws: WebSocket
  /** Sends one application message into a group. */
  send(groupId: Buffer, app: (b: Buffer, offset: number) => void, payloadBytes: number): void
  onDeliver: (payload: Buffer, offset: number) => void
  onRefused: (code: string) => void
  synced: Promise<void>
  accepted: number
}

export class CandorDriver implements Driver {
  readonly name = 'candor'
  /** One port per node; device i connects to node i mod N (HTTP set-up goes to the first). */
  readonly #ports: number[]
  readonly http: CandorHttp
  readonly #run = randomBytes(4).toString('hex')
  #users = 0
  readonly #sockets: WebSocket[] = []
  readonly #dirty = new Set<{ ws: WebSocket; seqs: number[] }>()
  #ackScheduled = false
  #idle: Device[] = []

  constructor(ports: number | number[]) {
    this.#ports = Array.isArray(ports) ? ports : [ports]
    this.http = new CandorHttp(this.#ports[0]!)
  }

  /** Registers devices (one user each) and signs them in. */
  async newDevices(n: number, concurrency = 64): Promise<Device[]> {
    const base = this.#users
    this.#users += n
    return pool(Array.from({ length: n }, (_, i) => base + i), concurrency, async (index) => {
      const { publicKey, secretKey: privateKey } = generateDeviceKey()
      const pk = toBase64Url(publicKey)
      const userId = `b${this.#run}u${index}`
      const sig = (m: Uint8Array, k: Uint8Array) => toBase64Url(signDetached(k, m))
      const reg = await this.http.post<{ deviceId: string }>('/v1/register', {
        userId,
        publicKey: pk,
        deviceName: 'bench',
        signature: sig(registrationStatement(userId, pk), privateKey),
      })
      const { challenge } = await this.http.post<{ challenge: string }>('/v1/auth/challenge', { deviceId: reg.deviceId })
      const { token } = await this.http.post<{ token: string }>('/v1/auth/session', {
        deviceId: reg.deviceId,
        challenge,
        signature: sig(authStatement(reg.deviceId, challenge), privateKey),
      })
      return { index, userId, deviceId: reg.deviceId, token, publicKey, secretKey: privateKey }
    })
  }

  /**
   * Creates a group owned by members[0] and adds the others with one commit (epoch 0 → 1), real
   * MLS both: the owner's GroupInfo at epoch 0, then a PublicMessage commit adding a key package
   * of each member (made here from its key; the bench's devices upload none) with its GroupInfo.
   */
  async newGroup(members: Device[]): Promise<Buffer> {
    const s = await (suite ??= getSuite(nodeCryptoProvider()))
    const gid = randomBytes(16)
    const groupId = toBase64Url(gid)
    const owner = members[0]!
    const state = await startGroup(s, benchConfig, gid, await newKeyPackage(s, owner, false))
    await this.http.post('/v1/groups', { groupId, groupInfo: toBase64Url(await groupInfoForExternalJoin(s, state)) }, owner.token)
    if (members.length > 1) {
      const kps = await Promise.all(members.slice(1).map(async (d) => decodeKeyPackage(Buffer.from((await newKeyPackage(s, d, false)).publicPackage, 'base64url'))))
      const out = await commitChanges(s, state, kps, [])
      await this.http.post(
        `/v1/groups/${groupId}/commits`,
        {
          messageId: toBase64Url(randomBytes(16)),
          commit: toBase64Url(out.commit),
          groupInfo: toBase64Url(out.groupInfo),
          welcome: toBase64Url(out.welcome!),
        },
        owner.token,
      )
    }
    return gid
  }

  #queueAck(state: { ws: WebSocket; seqs: number[] }, seq: number): void {
    state.seqs.push(seq)
    this.#dirty.add(state)
    if (!this.#ackScheduled) {
      this.#ackScheduled = true
      setImmediate(() => this.#flushAcks())
    }
  }

  /** Acknowledges everything received during this event-loop turn, one ack frame per connection. */
  #flushAcks(): void {
    this.#ackScheduled = false
    for (const s of this.#dirty) {
      for (let i = 0; i < s.seqs.length; i += 65535) {
        const part = s.seqs.slice(i, i + 65535)
        const b = Buffer.allocUnsafe(3 + 8 * part.length)
        b[0] = T.ack
        b.writeUInt16BE(part.length, 1)
        part.forEach((q, k) => b.writeDoubleBE(q, 3 + 8 * k))
        if (s.ws.readyState === WebSocket.OPEN) s.ws.send(b)
      }
      s.seqs = []
    }
    this.#dirty.clear()
  }

  /**
   * Opens a device's WebSocket and signs it in (the `auth` frame first); resolves once open
   * (conn.synced: once its queue is drained). Frames sent right away are read after the auth
   * frame checks out.
   */
  open(dev: Device, localAddress = sourceAddress(dev.index)): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const port = this.#ports[dev.index % this.#ports.length]!
      const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws`, {
        perMessageDeflate: false,
        localAddress,
      })
      this.#sockets.push(ws)
      const msgPrefix = randomBytes(8)
      let counter = 0
      let reqId = 0
      let synced: () => void = noop
      const ackState = { ws, seqs: [] as number[] }
      const conn: Conn = {
        ws,
        accepted: 0,
        synced: new Promise<void>((r) => (synced = r)),
        onDeliver: noop,
        onRefused: noop,
        send(groupId, app, payloadBytes) {
          const b = Buffer.allocUnsafe(37 + payloadBytes)
          b[0] = T.send
          b.writeUInt32BE(++reqId >>> 0, 1)
          msgPrefix.copy(b, 5)
          b.writeDoubleBE(++counter, 13)
          groupId.copy(b, 21)
          // Payload: MLS PrivateMessage header (application), then the bench's own fields and filler.
          b.writeUInt16BE(1, 37)
          b.writeUInt16BE(2, 39)
          b[41] = 16
          groupId.copy(b, 42)
          b.writeBigUInt64BE(1n, 58)
          b[66] = 1
          b.fill(0x61, 37 + MLS_HEADER)
          app(b, 37 + MLS_HEADER)
          ws.send(b)
        },
      }
      ws.on('message', (d: Buffer) => {
        switch (d[0]) {
          case T.deliver: {
            this.#queueAck(ackState, d.readDoubleBE(1))
            if (d[9] === 0) conn.onDeliver(d, DELIVER_HEADER + MLS_HEADER)
            break
          }
          case T.accepted:
            conn.accepted++
            break
          case T.error: {
            const cl = d[5] ?? 0
            conn.onRefused(d.subarray(6, 6 + cl).toString())
            break
          }
          case T.notice:
            if (d.subarray(1).toString().includes('"synced"')) synced()
            break
        }
      })
      ws.once('open', () => {
        ;(ws as unknown as { _socket?: { setNoDelay(b: boolean): void } })._socket?.setNoDelay(true)
        ws.send(encodeAuth(dev.token))
        resolve(conn)
      })
      ws.once('error', reject)
    })
  }

  async connect(o: ConnectOptions): Promise<Endpoint[]> {
    const devices = await this.newDevices(o.clients)
    const groups: Buffer[] = []
    await pool(Array.from({ length: Math.ceil(o.clients / o.groupSize) }, (_, g) => g), 16, async (g) => {
      groups[g] = await this.newGroup(devices.slice(g * o.groupSize, (g + 1) * o.groupSize))
    })
    const conns = await Promise.all(devices.map((d) => this.open(d)))
    await Promise.all(conns.map((c) => c.synced))
    return conns.map((conn, i) => {
      const group = Math.floor(i / o.groupSize)
      const gid = groups[group]!
      const ep: Endpoint = {
        index: i,
        group,
        send(sentAt, tag) {
          conn.send(
            gid,
            (b, off) => {
              b.writeDoubleLE(sentAt, off)
              b.writeUInt32LE(tag, off + 8)
              b.writeUInt32LE(i, off + 12)
            },
            o.payloadBytes,
          )
        },
        onReceive: noop,
        onRefused: noop,
      }
      conn.onDeliver = (d, off) => {
        const m: Received = { sentAt: d.readDoubleLE(off), tag: d.readUInt32LE(off + 8), sender: d.readUInt32LE(off + 12) }
        ep.onReceive(m)
      }
      conn.onRefused = (code) => ep.onRefused(code)
      return ep
    })
  }

  async prepareIdle(n: number): Promise<void> {
    this.#idle = await this.newDevices(n)
    // Free the HTTP sockets: the storm needs every descriptor the hard limit allows.
    this.http.close()
  }

  async openIdle(): Promise<{ opened: number; failed: number; reasons: string }> {
    let failed = 0
    const why = new Map<string, number>()
    const rs = await Promise.all(
      this.#idle.map((d, i) =>
        this.open(d, sourceAddress(i)).then(
          async (c) => {
            await c.synced
            return 1
          },
          (e: unknown) => {
            failed++
            const m = e instanceof Error ? e.message : String(e)
            why.set(m, (why.get(m) ?? 0) + 1)
            return 0
          },
        ),
      ),
    )
    return { opened: rs.reduce<number>((a, b) => a + b, 0), failed, reasons: [...why].map(([m, n]) => `${n}× ${m}`).join('; ') }
  }

  async close(): Promise<void> {
    for (const ws of this.#sockets) ws.terminate()
    this.#sockets.length = 0
    this.http.close()
  }
}

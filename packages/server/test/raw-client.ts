// A protocol-level client for tests that must send what a well-behaved SDK never would.
import { request } from 'node:http'
import WebSocket from 'ws'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import {
  accountDeletionStatement,
  approvalStatement,
  authStatement,
  deviceIdFromKey,
  encodeAuth,
  enrolmentStatement,
  registrationStatement,
  toBase64Url,
  type DeviceId,
} from '@candor/protocol'

export interface RawDevice {
  userId: string
  deviceId: DeviceId
  token: string
  publicKey: Uint8Array
  secretKey: Uint8Array
}

export async function http(base: string, method: string, path: string, body?: unknown, token?: string, raw?: string) {
  const headers: Record<string, string> = {}
  if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json'
  if (token) headers.authorization = `Bearer ${token}`
  const res = await fetch(base + path, { method, headers, ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}) })
  const json = (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string; details?: Record<string, unknown> } }
  return { status: res.status, json }
}

/** Raw bytes up (application/octet-stream) or down: for the blob routes. The answer's JSON when it is JSON. */
export async function httpBytes(base: string, method: string, path: string, body: Uint8Array | undefined, token?: string, headers: Record<string, string> = {}) {
  const h: Record<string, string> = { ...headers }
  if (body !== undefined) h['content-type'] = 'application/octet-stream'
  if (token) h.authorization = `Bearer ${token}`
  const res = await fetch(base + path, { method, headers: h, ...(body !== undefined ? { body: new Uint8Array(body) } : {}) })
  const bytes = new Uint8Array(await res.arrayBuffer())
  const isJson = (res.headers.get('content-type') ?? '').startsWith('application/json')
  const json = (isJson ? JSON.parse(new TextDecoder().decode(bytes)) : {}) as Record<string, unknown> & { error?: { code: string; message: string; details?: Record<string, unknown> } }
  return { status: res.status, json, bytes, headers: res.headers }
}

/**
 * As `http`, from another client address: any 127.x.y.z is this machine's loopback, so the
 * server sees one client per address (what per-address limits key on).
 */
export function httpFrom(localAddress: string, base: string, method: string, path: string, body?: unknown, token?: string) {
  return new Promise<Awaited<ReturnType<typeof http>>>((resolve, reject) => {
    const headers: Record<string, string> = {}
    const data = body === undefined ? undefined : JSON.stringify(body)
    if (data !== undefined) headers['content-type'] = 'application/json'
    if (token) headers.authorization = `Bearer ${token}`
    const req = request(base + path, { method, headers, localAddress }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Awaited<ReturnType<typeof http>>['json'] })
        } catch (e) {
          reject(e as Error)
        }
      })
    })
    req.on('error', reject)
    req.end(data)
  })
}

/** Registers `userId` (through the sign-up of `org` when given). */
export async function rawRegister(base: string, userId: string, org?: string): Promise<RawDevice> {
  const k = generateDeviceKey()
  const pk = toBase64Url(k.publicKey)
  const reg = await http(base, 'POST', '/v1/register', {
    userId,
    publicKey: pk,
    deviceName: 'raw',
    signature: toBase64Url(signDetached(k.secretKey, registrationStatement(userId, pk))),
    ...(org !== undefined ? { org } : {}),
  })
  if (reg.status !== 201) throw new Error(`register failed: ${JSON.stringify(reg.json)}`)
  const deviceId = reg.json.deviceId as DeviceId
  return { userId, deviceId, token: await rawSignIn(base, deviceId, k.secretKey), publicKey: k.publicKey, secretKey: k.secretKey }
}

/** A session token for the device (challenge, signature), or throws with the server's answer. */
export async function rawSignIn(base: string, deviceId: DeviceId, secretKey: Uint8Array): Promise<string> {
  const ch = await http(base, 'POST', '/v1/auth/challenge', { deviceId })
  const challenge = ch.json.challenge as string
  const s = await http(base, 'POST', '/v1/auth/session', { deviceId, challenge, signature: toBase64Url(signDetached(secretKey, authStatement(deviceId, challenge))) })
  if (s.status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(s.json)}`)
  return s.json.token as string
}

/** A further device of `owner`'s user: files its enrolment, `owner` approves it, it signs in. */
export async function rawEnrolApproved(base: string, owner: RawDevice, name = 'second'): Promise<RawDevice> {
  const k = generateDeviceKey()
  const pk = toBase64Url(k.publicKey)
  const deviceId = deviceIdFromKey(k.publicKey)
  const filed = await http(base, 'POST', '/v1/enrolments', { userId: owner.userId, publicKey: pk, deviceName: name, signature: toBase64Url(signDetached(k.secretKey, enrolmentStatement(owner.userId, pk, name))) })
  if (filed.status !== 202) throw new Error(`enrolment failed: ${JSON.stringify(filed.json)}`)
  const signature = toBase64Url(signDetached(owner.secretKey, approvalStatement(owner.deviceId, owner.userId, pk)))
  const ok = await http(base, 'POST', `/v1/enrolments/${deviceId}/approve`, { signature }, owner.token)
  if (ok.status !== 200) throw new Error(`approval failed: ${JSON.stringify(ok.json)}`)
  return { userId: owner.userId, deviceId, token: await rawSignIn(base, deviceId, k.secretKey), publicKey: k.publicKey, secretKey: k.secretKey }
}

/** A deletion challenge for the session's device (POST /v1/account/delete/challenge). */
export async function deletionChallenge(base: string, token: string): Promise<string> {
  const r = await http(base, 'POST', '/v1/account/delete/challenge', {}, token)
  if (r.status !== 200) throw new Error(`no deletion challenge: ${JSON.stringify(r.json)}`)
  return r.json.challenge as string
}

/** The signed deletion request of `device` over `challenge` (docs/protocol.md §4.4). */
export function deletionRequest(device: Pick<RawDevice, 'userId' | 'deviceId' | 'secretKey'>, challenge: string) {
  return { confirm: device.userId, challenge, signature: toBase64Url(signDetached(device.secretKey, accountDeletionStatement(device.userId, device.deviceId, challenge))) }
}

/** Erases the device's account as the SDK does: a fresh challenge, signed. */
export async function rawDeleteAccount(base: string, device: RawDevice) {
  return http(base, 'POST', '/v1/account/delete', deletionRequest(device, await deletionChallenge(base, device.token)), device.token)
}

export interface RawSocket {
  ws: WebSocket
  frames: Uint8Array[]
  next: () => Promise<Uint8Array>
  /** Resolves with the close code and reason once the socket is closed. */
  closed: Promise<{ code: number; reason: string }>
  /** Bytes of WebSocket messages received so far (payloads). */
  received: () => number
}

/**
 * A WebSocket to /v1/ws (or `path`) without signing in: resolves once open. For tests that send
 * what they like first.
 */
export function rawSocket(base: string, path = '/v1/ws'): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${path}`)
    const frames: Uint8Array[] = []
    const waiters: Array<(f: Uint8Array) => void> = []
    let received = 0
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })))
    ws.on('message', (d: Buffer) => {
      const f = new Uint8Array(d)
      received += f.length
      const w = waiters.shift()
      if (w) w(f)
      else frames.push(f)
    })
    ws.once('open', () =>
      resolve({
        ws,
        frames,
        closed,
        received: () => received,
        next: () =>
          new Promise<Uint8Array>((res, rej) => {
            const f = frames.shift()
            if (f) return res(f)
            const t = setTimeout(() => rej(new Error('no frame within 5 s')), 5000)
            waiters.push((x) => {
              clearTimeout(t)
              res(x)
            })
          }),
      }),
    )
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

/**
 * A signed-in socket: the `auth` frame first, then resolves once the server has sent its first
 * frame (the queue, or `synced` when it is empty) — so the device is subscribed — or rejects
 * naming the close code and reason if the server closed it instead.
 */
export async function openSocket(base: string, token: string): Promise<RawSocket> {
  const s = await rawSocket(base)
  s.ws.send(encodeAuth(token))
  const first = await Promise.race([
    new Promise<Uint8Array>((resolve) => {
      if (s.frames.length > 0) return resolve(s.frames[0]!)
      s.ws.once('message', (d: Buffer) => resolve(new Uint8Array(d)))
    }),
    s.closed,
  ])
  if (!(first instanceof Uint8Array)) throw new Error(`socket closed: ${first.code} ${first.reason}`)
  return s
}

// Many people to add to a group, cheaply: each registers one device (so the key directory holds
// and proves its key, as for anyone), publishes one post-quantum key package and makes `contactOf`
// a contact (so that person's adds are delivered, not held as contact requests, docs/protocol.md
// §5.5). A CandorClient would publish 60 packages and keep a socket each; these hold no MLS state
// and never connect, which a test about who may be added does not need.
import { PQ_SUITE, generateDeviceKey, getSuites, newKeyPackage, signDetached, suiteId } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { authStatement, registrationStatement, toBase64Url } from '@candor/protocol'

export interface BareDevice {
  userId: string
  deviceId: string
}

/** Registrations in flight at once. */
const AT_ONCE = 8

async function call<T>(server: string, method: string, path: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(server + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  })
  const json = (await res.json()) as T
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

async function bareDevice(server: string, userId: string, contactOf: string): Promise<BareDevice> {
  const suites = await getSuites(nodeCryptoProvider())
  const k = generateDeviceKey()
  const publicKey = toBase64Url(k.publicKey)
  const signature = toBase64Url(signDetached(k.secretKey, registrationStatement(userId, publicKey)))
  const { deviceId } = await call<{ deviceId: string }>(server, 'POST', '/v1/register', { userId, publicKey, deviceName: 'bare', signature })
  const { challenge } = await call<{ challenge: string }>(server, 'POST', '/v1/auth/challenge', { deviceId })
  const { token } = await call<{ token: string }>(server, 'POST', '/v1/auth/session', {
    deviceId,
    challenge,
    signature: toBase64Url(signDetached(k.secretKey, authStatement(deviceId as never, challenge))),
  })
  const kp = await newKeyPackage(suites[PQ_SUITE], { userId, deviceId, publicKey: k.publicKey, secretKey: k.secretKey }, false)
  await call(server, 'POST', '/v1/key-packages', { oneTime: [kp.publicPackage], suite: suiteId(PQ_SUITE) }, token)
  await call(server, 'PUT', `/v1/contacts/${encodeURIComponent(contactOf)}`, {}, token)
  return { userId, deviceId }
}

/** `n` people `${prefix}-0` … `${prefix}-(n-1)`, one device each, every one with `contactOf` as a contact. */
export async function bareDevices(server: string, prefix: string, n: number, contactOf: string): Promise<BareDevice[]> {
  const out: BareDevice[] = []
  for (let i = 0; i < n; i += AT_ONCE) {
    const batch = Array.from({ length: Math.min(AT_ONCE, n - i) }, (_, j) => bareDevice(server, `${prefix}-${i + j}`, contactOf))
    out.push(...(await Promise.all(batch)))
  }
  return out
}

// The Web Push VAPID key pair (docs/server-keys.md): derived from the key file, the same on
// every node given the same file, another for another file, and a real P-256 pair.
import { createECDH, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateServerKeyFile, serverKeysOf, webPushVapidKeys } from './server-keys.ts'

describe('webPushVapidKeys', () => {
  it('is the same pair for the same key file, another for another, and signs and verifies as P-256', () => {
    const file = generateServerKeyFile(0)
    const a = webPushVapidKeys(serverKeysOf(file))
    const again = webPushVapidKeys(serverKeysOf(JSON.parse(JSON.stringify(file)) as typeof file))
    expect(again).toEqual(a)
    expect(webPushVapidKeys(serverKeysOf(generateServerKeyFile(0))).publicKey).not.toBe(a.publicKey)

    const pub = Buffer.from(a.publicKey, 'base64url')
    const priv = Buffer.from(a.privateKey, 'base64url')
    expect(pub).toHaveLength(65)
    expect(pub[0]).toBe(4)
    expect(priv).toHaveLength(32)
    const ecdh = createECDH('prime256v1')
    ecdh.setPrivateKey(priv)
    expect(ecdh.getPublicKey().equals(pub)).toBe(true)
    const jwk = { kty: 'EC', crv: 'P-256', x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33).toString('base64url') }
    const signature = sign('sha256', Buffer.from('vapid'), createPrivateKey({ key: { ...jwk, d: priv.toString('base64url') }, format: 'jwk' }))
    expect(verify('sha256', Buffer.from('vapid'), createPublicKey({ key: jwk, format: 'jwk' }), signature)).toBe(true)
    // Nothing of the pair is any key of the file itself.
    for (const v of Object.values(file)) expect(JSON.stringify(v)).not.toContain(a.privateKey)
  })
})

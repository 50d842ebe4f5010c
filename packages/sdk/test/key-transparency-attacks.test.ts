// A malicious operator against the key directory. Each attack acts on the real server's state
// (or answers the client as a malicious server would) and must be caught by the clients.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  deviceIdFromKey,
  encodeDirectoryValue,
  fromBase64Url,
  registrationStatement,
  toBase64Url,
  type DeviceId,
  type UserId,
} from '@candor/protocol'
import { generateDeviceKey, getSuite, newKeyPackage, signDetached } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { KeyDirectory, MemoryDirectoryStorage } from '@candor/transparency'
import type { CandorClient, SecurityAlert } from '../src/index.ts'
import { startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  await env.close()
})

function alerts(c: CandorClient): SecurityAlert[] {
  const list: SecurityAlert[] = []
  c.on('alert', (a) => list.push(a))
  return list
}

/** A device key the operator made up, with a valid MLS key package naming bob. */
async function rogueDevice(userId: string) {
  const k = generateDeviceKey()
  const deviceId = deviceIdFromKey(k.publicKey)
  const kp = await newKeyPackage(await getSuite(nodeCryptoProvider()), { userId, deviceId, ...k }, false)
  return { ...k, deviceId, keyPackage: fromBase64Url(kp.publicPackage)! }
}

describe('key transparency attacks', () => {
  it('(1) a device key inserted for bob without logging it is refused by alice', async () => {
    const alice = await env.user('alice')
    const bob = await env.user('bob')
    const rogue = await rogueDevice('bob')
    const store = env.server.context.store
    await store.addDevice({ deviceId: rogue.deviceId, userId: 'bob' as UserId, name: 'rogue', publicKey: rogue.publicKey, status: 'active', createdAt: Date.now() })
    await store.addKeyPackages(rogue.deviceId, [rogue.keyPackage], undefined)

    const seen = alerts(alice)
    const conv = await alice.directConversation('bob')
    const readers = await alice.whoCanRead(conv)
    expect(readers.find((r) => r.userId === 'bob')?.devices.map((d) => d.deviceId)).toEqual([bob.deviceId])
    expect(seen).toContainEqual({ kind: 'unverified_device', userId: 'bob', deviceId: rogue.deviceId })
  })

  it('(2) a device logged properly for bob raises the unknown-device alert on bob’s next sync', async () => {
    await env.user('alice')
    const bob = await env.user('bob')
    expect(await bob.checkOwnDevices()).toEqual([])
    const seen = alerts(bob)

    // The operator publishes a new version of bob's entry with a device it controls, attested by
    // a signature it can make (the rogue key "registering" itself, or an approval by itself).
    const rogue = await rogueDevice('bob')
    const honest = JSON.parse(new TextDecoder().decode(await env.server.context.directory.valueOf('bob' as UserId))) as {
      devices: Array<{ id: string; key: string; by: string; byKey: string; sig: string }>
    }
    const rk = toBase64Url(rogue.publicKey)
    const forged = {
      v: 1 as const,
      devices: [
        ...honest.devices,
        { id: rogue.deviceId, key: rk, by: rogue.deviceId, byKey: rk, sig: toBase64Url(signDetached(rogue.secretKey, registrationStatement('bob', rk))) },
      ],
    }
    const directory = env.server.context.directory.directory
    directory.update('bob', encodeDirectoryValue(forged))
    await directory.publishEpoch()

    await bob.sync()
    await waitFor(() => seen.length > 0, 'the unknown-device alert')
    expect(seen).toEqual([{ kind: 'unknown_device', deviceId: rogue.deviceId, publicKey: rk, version: 2 }])
    // Control: bob's real device is not reported.
    expect(seen.some((a) => a.kind === 'unknown_device' && a.deviceId === bob.deviceId)).toBe(false)
  })

  it('(3) a checkpoint that forks from one alice saw is refused', async () => {
    const alice = await env.user('alice')
    await env.user('bob')
    await alice.verifiedDevices('bob')

    // The operator builds a second history with the same keys and shows it to alice.
    const fork = await KeyDirectory.open({
      origin: env.server.context.directory.directory.origin,
      signingKey: env.keys.directorySigningKey,
      vrfKey: env.keys.directoryVrfKey,
      storage: new MemoryDirectoryStorage(),
    })
    const honestSize = env.server.context.directory.directory.epoch + 1
    for (let i = 0; i <= honestSize + 1; i++) {
      fork.update(`filler-${i}`, new Uint8Array([i]))
      fork.update('bob', await env.server.context.directory.valueOf('bob' as UserId))
      await fork.publishEpoch()
    }
    const { encodeLookupProof } = await import('@candor/transparency')
    alice.api.directoryLookupCompact = async () => ({ checkpoint: fork.checkpoint()!, proof: toBase64Url(encodeLookupProof((await fork.lookup('bob'))!)) })
    alice.api.directoryConsistency = async (from, to) => ({ proof: fork.consistencyProof(from, to).map(toBase64Url) })

    await expect(alice.verifiedDevices('bob')).rejects.toMatchObject({ code: 'directory_proof_invalid', message: expect.stringMatching(/fork/) })
    // And so it will not add bob's devices to a conversation.
    await expect(alice.createConversation(['bob'])).rejects.toMatchObject({ code: 'directory_proof_invalid' })
  })

  it('(4) a rolled-back log is refused', async () => {
    const alice = await env.user('alice')
    await env.user('bob')
    const old = (await env.server.context.directory.checkpointAt(1))!
    await env.user('carol')
    await alice.verifiedDevices('carol')
    const current = await alice.api.directoryLookup('bob')
    alice.api.directoryLookupCompact = async () => ({ ...current, checkpoint: old })
    await expect(alice.verifiedDevices('bob')).rejects.toMatchObject({ code: 'directory_proof_invalid', message: expect.stringMatching(/rolled back/) })
  })

  it('control: honest directory answers verify, and a tampered proof does not', async () => {
    const alice = await env.user('alice')
    const bob = await env.user('bob')
    expect((await alice.verifiedDevices('bob')).map((d) => d.deviceId)).toEqual([bob.deviceId as DeviceId])
    const r = await alice.api.directoryLookup('bob')
    const bytes = fromBase64Url(r.proof)!
    bytes[bytes.length - 40]! ^= 1
    alice.api.directoryLookupCompact = async () => ({ ...r, proof: toBase64Url(bytes) })
    await expect(alice.verifiedDevices('bob')).rejects.toMatchObject({ code: 'directory_proof_invalid' })
  })
})

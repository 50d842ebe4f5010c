import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ApiClient, CandorClient, MemoryLocalStore, Witness } from '../src/index.ts'
import { options, startDevEnv, type DevEnv } from './dev-env.ts'

/**
 * A witness's key, made before the server starts: its operator names it in the server's
 * configuration. (Reading the key needs no server; the client's URL is not used.)
 */
async function witnessKey(name: string): Promise<{ name: string; store: MemoryLocalStore; vkey: string }> {
  const store = new MemoryLocalStore()
  return { name, store, vkey: await new Witness(new ApiClient('http://127.0.0.1:9'), store, name).verifierKey() }
}

let env: DevEnv
let configured: Awaited<ReturnType<typeof witnessKey>>
beforeEach(async () => {
  configured = await witnessKey('witness.test')
  env = await startDevEnv({ witnesses: [configured.vkey] })
})
afterEach(async () => {
  await env.close()
})

describe('witnesses', () => {
  it('cosign checkpoints; a client requiring a cosignature accepts only cosigned ones', async () => {
    const witness = new Witness(new ApiClient(env.server.url), configured.store, configured.name)
    await env.user('bob')
    const strict = {
      ...options(env.server.url),
      directory: { witnesses: [await witness.verifierKey()], requiredCosignatures: 1 },
    }
    const alice = await CandorClient.register(strict, 'alice')
    env.clients.push(alice)
    // Not yet witnessed: refused.
    await expect(alice.verifiedDevices('bob')).rejects.toMatchObject({ code: 'directory_proof_invalid', message: expect.stringMatching(/cosignature/) })
    const r = await witness.witnessOnce()
    expect(r.cosigned).toBe(true)
    expect((await alice.verifiedDevices('bob')).length).toBe(1)
    // A cosignature from a witness the client does not trust does not count.
    const other = new Witness(new ApiClient(env.server.url), new MemoryLocalStore(), 'witness.other')
    // The server does not take the other witness's cosignatures: it is not configured.
    await expect(other.witnessOnce()).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/--witness/) })
    const picky = await CandorClient.register({ ...options(env.server.url), directory: { witnesses: [await other.verifierKey()], requiredCosignatures: 1 } }, 'carol')
    env.clients.push(picky)
    await witness.witnessOnce()
    await expect(picky.verifiedDevices('bob')).rejects.toMatchObject({ code: 'directory_proof_invalid' })
  })

  it('refuses and reports a fork (same size, different root) and a shrinking log', async () => {
    await env.user('alice')
    const api = new ApiClient(env.server.url)
    const witness = new Witness(api, configured.store, configured.name)
    const first = await witness.witnessOnce()
    await env.user('bob')
    await witness.witnessOnce()

    // Rollback: the server shows an older checkpoint.
    const old = (await env.server.context.directory.checkpointAt(first.size))!
    const realInfo = api.directoryInfo.bind(api)
    api.directoryInfo = async () => ({ ...(await realInfo()), checkpoint: old })
    await expect(witness.witnessOnce()).rejects.toMatchObject({ code: 'directory_proof_invalid', message: expect.stringMatching(/rolled back/) })

    // Fork: a checkpoint of the same size as the latest, with another root, signed by the real key.
    const { parseNote, parseCheckpoint, signCheckpoint, ed25519NoteSigner } = await import('@candor/transparency')
    const latest = parseCheckpoint(parseNote((await realInfo()).checkpoint)!.text)!
    const key = env.keys.directorySigningKey
    const forged = signCheckpoint({ ...latest, rootHash: new Uint8Array(32).fill(7) }, [ed25519NoteSigner(latest.origin, key)])
    api.directoryInfo = async () => ({ ...(await realInfo()), checkpoint: forged })
    await expect(witness.witnessOnce()).rejects.toMatchObject({ code: 'directory_proof_invalid', message: expect.stringMatching(/fork/) })
  })
})

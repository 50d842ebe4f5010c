// One place decides whether a failure to process a delivery is transient (keep it, retry) or
// permanent (show it, report it, acknowledge it); one case per class, the MLS ones from real
// MLS processing with a directory that answers, refuses or cannot be reached.
import { describe, expect, it } from 'vitest'
import { CandorError, fromBase64Url, newDeviceId } from '@candor/protocol'
import {
  DirectoryAuthenticationService,
  clientConfigWith,
  commitChanges,
  decodeKeyPackage,
  generateDeviceKey,
  getSuite,
  joinFromWelcome,
  newKeyPackage,
  processIncoming,
  startGroup,
  type GroupState,
} from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import { classifyFailure } from './delivery-failure.ts'
import { MemoryLocalStore, type LocalStore } from './local-store.ts'
import { storeFailuresAsUnavailable } from './local-store-failures.ts'

const sameEpoch = { messageEpoch: 1, ownEpoch: 1 }

/** Bob processes alice's commit adding carol, asking `resolve` for carol's key; what it throws. */
async function bobProcessesCarolsAddition(resolve: (userId: string) => Promise<Uint8Array | null>): Promise<unknown> {
  const suite = await getSuite(nodeCryptoProvider())
  const keys = new Map<string, Uint8Array>()
  const device = (userId: string) => {
    const k = generateDeviceKey()
    keys.set(userId, k.publicKey)
    return { userId, deviceId: newDeviceId(), ...k }
  }
  const [alice, bob, carol] = [device('alice'), device('bob'), device('carol')]
  const honest = clientConfigWith(new DirectoryAuthenticationService(async (u) => keys.get(u) ?? null))
  const aliceState = await startGroup(suite, honest, crypto.getRandomValues(new Uint8Array(16)), await newKeyPackage(suite, alice, false))
  const bobKp = await newKeyPackage(suite, bob, false)
  const withBob = await commitChanges(suite, aliceState, [decodeKeyPackage(fromBase64Url(bobKp.publicPackage)!)], [])
  const bobState: GroupState = (await joinFromWelcome(suite, honest, withBob.welcome!, async () => bobKp)).state
  const carolKp = await newKeyPackage(suite, carol, false)
  const withCarol = await commitChanges(suite, withBob.state, [decodeKeyPackage(fromBase64Url(carolKp.publicPackage)!)], [])
  const asked = clientConfigWith(new DirectoryAuthenticationService(async (u) => (u === 'carol' ? resolve(u) : (keys.get(u) ?? null))))
  return processIncoming(suite, { ...bobState, clientConfig: asked }, withCarol.commit).then(
    () => {
      throw new Error('expected the commit to fail')
    },
    (e: unknown) => e,
  )
}

describe('classifyFailure', () => {
  it('transient: the network or the server did not answer', () => {
    for (const code of ['unavailable', 'rate_limited', 'backpressure', 'internal', 'unauthenticated', 'token_expired'] as const) {
      expect(classifyFailure(new CandorError(code, 'x'), sameEpoch)).toEqual({ transient: true })
    }
  })

  it('transient: the key directory could not be asked while a commit was processed', async () => {
    const e = await bobProcessesCarolsAddition(async () => {
      throw new CandorError('unavailable', 'cannot reach the server')
    })
    expect(classifyFailure(e, sameEpoch)).toEqual({ transient: true })
  })

  it('transient: the directory answered with a proof that does not verify (no verdict on the credential)', async () => {
    const e = await bobProcessesCarolsAddition(async () => {
      throw new CandorError('directory_proof_invalid', 'key directory check failed')
    })
    expect(classifyFailure(e, sameEpoch)).toEqual({ transient: true })
  })

  it('transient: the device’s own storage failed', async () => {
    const failing: LocalStore = Object.assign(new MemoryLocalStore(), {
      put: async () => {
        throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' })
      },
    })
    const e = await storeFailuresAsUnavailable(failing).put('state/x', 'y').catch((x: unknown) => x)
    expect(e).toMatchObject({ code: 'unavailable', details: { source: 'local_store' } })
    expect(classifyFailure(e, sameEpoch)).toEqual({ transient: true })
  })

  it('permanent: a credential the directory answered for with another key', async () => {
    const e = await bobProcessesCarolsAddition(async () => generateDeviceKey().publicKey)
    expect(classifyFailure(e, sameEpoch)).toEqual({ transient: false, reason: 'invalid_credential' })
    // A device the directory does not know at all, likewise.
    const unknown = await bobProcessesCarolsAddition(async () => null)
    expect(classifyFailure(unknown, sameEpoch)).toEqual({ transient: false, reason: 'invalid_credential' })
  })

  it('permanent: a message for an epoch this device is not at', () => {
    const e = new CandorError('invalid_mls_message', 'the message is for epoch 3 and this device is at epoch 2')
    expect(classifyFailure(e, { messageEpoch: 3, ownEpoch: 2 })).toEqual({ transient: false, reason: 'epoch_unavailable' })
    expect(classifyFailure(new Error('Cannot process message, epoch too old'), { messageEpoch: 1, ownEpoch: 5 })).toEqual({ transient: false, reason: 'epoch_unavailable' })
  })

  it('permanent: malformed, or does not decrypt, or any failure not known to be transient', () => {
    expect(classifyFailure(new CandorError('invalid_mls_message', 'it does not decode'), { messageEpoch: null, ownEpoch: 1 })).toEqual({ transient: false, reason: 'decrypt_failed' })
    expect(classifyFailure(new Error('OperationError: the tag does not match'), sameEpoch)).toEqual({ transient: false, reason: 'decrypt_failed' })
    expect(classifyFailure(new CandorError('invalid_key_package', 'x'), { messageEpoch: null, ownEpoch: null })).toEqual({ transient: false, reason: 'decrypt_failed' })
  })
})

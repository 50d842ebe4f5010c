import { describe, expect, it } from 'vitest'
import { deviceIdFromKey, encodeHandshakeAad, toBase64Url, utf8 } from '@candor/protocol'
import { DirectoryAuthenticationService, encodeDeviceCredential, generateDeviceKey } from '@candor/crypto'
import { ApiClient } from './api-client.ts'
import { CheckpointTracker } from './checkpoint-tracker.ts'
import { MemoryLocalStore } from './local-store.ts'
import { PastDirectory } from './past-directory.ts'
import { commitAuthentication, welcomeAuthentication } from './handshake-authentication.ts'

// No server listens here: these cases are decided without one, or fail as a network error does.
const me = generateDeviceKey()
const api = new ApiClient('http://127.0.0.1:9', { deviceId: deviceIdFromKey(me.publicKey), secretKey: me.secretKey })
const past = new PastDirectory(api, new CheckpointTracker(api, new MemoryLocalStore(), {}))
const current = new DirectoryAuthenticationService(async () => new Uint8Array(32))
const named = encodeHandshakeAad({ v: 1, directory: { size: 3, root: toBase64Url(new Uint8Array(32)) } })

describe.each([
  ['a commit', commitAuthentication(current, past)],
  ['a Welcome', welcomeAuthentication(current, past)],
])('the directory %s is judged against', (_what, pick) => {
  it('without authenticated data (an older client): the directory as it is now', () => {
    expect(pick(new Uint8Array())).toBe(current)
  })

  it('with a named checkpoint: a service that asks the directory at that checkpoint; a network error is not a verdict', async () => {
    const service = pick(named)
    expect(service).not.toBe(current)
    // The current directory would accept this key; the past lookup cannot be made, and says so.
    await expect(service.validateCredential(encodeDeviceCredential('alice', 'AAAAAAAAAAAAAAAAAAAAAA'), new Uint8Array(32))).rejects.toMatchObject({ code: 'unavailable' })
  })

  it('authenticated data that does not decode refuses the handshake, naming the field', () => {
    expect(() => pick(utf8('{"v":1}'))).toThrow(expect.objectContaining({ code: 'invalid_mls_message', details: { field: 'directory' } }))
    expect(() => pick(utf8('not json'))).toThrow(expect.objectContaining({ code: 'invalid_mls_message' }))
  })
})

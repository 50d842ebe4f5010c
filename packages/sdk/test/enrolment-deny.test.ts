// A device that asks to join someone's account can be turned down from any of their devices:
// the request is gone, and the asking device learns it (it stops waiting).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CandorClient } from '../src/index.ts'
import { options, startDevEnv, type DevEnv } from './dev-env.ts'

let env: DevEnv
beforeEach(async () => {
  env = await startDevEnv()
})
afterEach(async () => {
  await env.close()
})

describe('denying an enrolment', () => {
  it('removes the request; the asking device cannot sign in and stops waiting', async () => {
    const alice = await env.user('alice')
    const stranger = await CandorClient.enrol(options(env.server.url), 'alice', 'IT support laptop')
    env.clients.push(stranger)
    const pending = await alice.pendingEnrolments()
    expect(pending).toEqual([expect.objectContaining({ deviceId: stranger.deviceId, name: 'IT support laptop', status: 'pending' })])
    expect(pending[0]!.expiresAt).toBeGreaterThan(Date.now())

    await alice.deny(stranger.deviceId)
    expect(await alice.pendingEnrolments()).toEqual([])
    expect((await alice.devices()).map((d) => d.deviceId)).toEqual([alice.deviceId])
    await expect(stranger.waitForApproval(5_000)).rejects.toMatchObject({ code: 'unknown_device' })
    await expect(alice.deny(stranger.deviceId)).rejects.toMatchObject({ code: 'not_found' })
    await expect(alice.approve(stranger.deviceId)).rejects.toMatchObject({ code: 'not_found' })
  })
})

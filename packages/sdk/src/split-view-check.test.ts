import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { CandorError, toBase64Url, utf8, type CheckpointRef } from '@candor/protocol'
import { MerkleLog, merkleLeafHash } from '@candor/transparency'
import { checkPeerCheckpoint, type LogView } from './split-view-check.ts'

function log(leaves: readonly string[]): MerkleLog {
  const l = new MerkleLog()
  for (const x of leaves) l.append(merkleLeafHash(utf8(x)))
  return l
}

const at = (l: MerkleLog, size: number): CheckpointRef => ({ size, root: toBase64Url(l.root(size)) })

/** This device's server: it answers from its own (real) Merkle log, with or without checkpoints by size. */
function served(server: MerkleLog, bySize: boolean): LogView {
  const refuse = () => new CandorError('not_found', 'no checkpoint of that size')
  return {
    name: bySize ? 'directory' : 'accessLog',
    latest: async () => at(server, server.size),
    refresh: async () => at(server, server.size),
    ...(bySize
      ? {
          async signedAt(size: number) {
            if (size > server.size) throw refuse()
            return at(server, size)
          },
        }
      : {}),
    async consistency(from, to) {
      if (to > server.size) throw new CandorError('bad_request', 'sizes out of range')
      return server.consistencyProof(from, to)
    },
  }
}

describe('checking a checkpoint another device saw (§2.3)', () => {
  it('passes exactly when the two views are one history: equal, smaller or larger, with and without checkpoints by size', async () => {
    // The device's server holds S; the sender saw a tree T that is S itself, or S forked after k leaves.
    const scenario = fc.record({
      serverSize: fc.integer({ min: 1, max: 40 }),
      mineFrac: fc.double({ min: 0, max: 1, noNaN: true }),
      forkAt: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }),
      theirSize: fc.integer({ min: 1, max: 45 }),
      bySize: fc.boolean(),
    })
    await fc.assert(
      fc.asyncProperty(scenario, async ({ serverSize, mineFrac, forkAt, theirSize, bySize }) => {
        const s = Array.from({ length: serverSize }, (_, i) => `leaf ${i}`)
        const t = Array.from({ length: Math.max(serverSize, theirSize) }, (_, i) => (forkAt !== null && i >= forkAt ? `fork ${i}` : `leaf ${i}`))
        const server = log(s)
        const theirLog = log(t)
        const mine = at(server, Math.max(1, Math.round(mineFrac * serverSize)))
        const theirs = at(theirLog, theirSize)
        const oneHistory = theirSize <= serverSize && (forkAt === null || theirSize <= forkAt)
        const verdict = await checkPeerCheckpoint(served(server, bySize), mine, theirs)
        expect(verdict.ok).toBe(oneHistory)
      }),
      { numRuns: 300 },
    )
  })

  it('fails on a refused proof, a wrong signed root or an empty log with a made-up root; rethrows network errors', async () => {
    const server = log(['a', 'b', 'c'])
    const view = served(server, true)
    expect(await checkPeerCheckpoint(view, at(server, 1), { size: 9, root: at(server, 3).root })).toMatchObject({ ok: false, reason: expect.stringMatching(/no checkpoint/) })
    expect(await checkPeerCheckpoint(view, at(server, 1), { size: 3, root: at(server, 2).root })).toMatchObject({ ok: false, reason: expect.stringMatching(/different root/) })
    expect(await checkPeerCheckpoint(view, at(server, 3), { size: 0, root: at(server, 1).root })).toMatchObject({ ok: false })
    expect(await checkPeerCheckpoint(view, at(server, 3), { size: 0, root: toBase64Url(new MerkleLog().root(0)) })).toEqual({ ok: true })
    const down: LogView = { ...view, consistency: () => Promise.reject(new CandorError('unavailable', 'cannot reach the server')) }
    await expect(checkPeerCheckpoint(down, at(server, 3), at(server, 2))).rejects.toMatchObject({ code: 'unavailable' })
    const garbage: LogView = { ...view, consistency: async () => [new Uint8Array(32)] }
    expect(await checkPeerCheckpoint(garbage, at(server, 3), at(server, 2))).toMatchObject({ ok: false, reason: expect.stringMatching(/forked/) })
  })
})

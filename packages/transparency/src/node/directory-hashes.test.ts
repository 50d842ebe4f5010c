// The directory's proofs hashed by node:crypto (useNodeHashes, what nodeCryptoProvider() installs)
// and by @noble/hashes (browsers): the same verdict on every compact lookup, genuine or with any
// bit flipped — decoding, the checkpoint, the VRF proofs, the prefix and log paths, the opening.
import { useHashFunctions, useNodeHashes } from '@candor/crypto/node'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toHex, utf8 } from '../bytes.ts'
import { decodeCompactLookup, encodeCompactLookup } from '../directory-compact.ts'
import { verifyLookup } from '../directory-verify.ts'
import { clearVrfVerified } from '../ecvrf.ts'
import { KeyDirectory } from '../key-directory.ts'
import { noteVerifierFromKey } from '../note-verifier-key.ts'
import { openCheckpoint } from '../tlog-checkpoint.ts'

const origin = 'candor.test/directory'
let dir: KeyDirectory
let compact: Uint8Array

beforeAll(async () => {
  let t = 1_700_000_000_000
  dir = await KeyDirectory.open({ origin, signingKey: new Uint8Array(32).fill(1), vrfKey: new Uint8Array(32).fill(2), now: () => (t += 1000) })
  for (let i = 0; i < 60; i++) dir.update(`user-${i}`, utf8(`key-${i}`))
  dir.update('alice', utf8('a1'))
  await dir.publishEpoch()
  dir.update('alice', utf8('a2'))
  await dir.publishEpoch()
  const proof = (await dir.lookup('alice'))!
  compact = encodeCompactLookup('alice', { checkpoint: dir.checkpointAt(proof.treeSize)!, proof }, origin)
})

afterAll(() => useHashFunctions(null))

/** What a client makes of the body, each time new to the verifier. */
function verdict(body: Uint8Array): string {
  clearVrfVerified()
  const decoded = decodeCompactLookup('alice', body, origin)
  if (decoded === null) return 'does not decode'
  const opened = openCheckpoint(decoded.checkpoint, origin, [noteVerifierFromKey(dir.verifierKey)!])
  if (opened === null) return 'checkpoint refused'
  const verified = verifyLookup('alice', decoded.proof, opened.checkpoint, dir.vrfPublicKey)
  return verified === null ? 'refused' : `version ${verified.version}: ${toHex(verified.value!)}`
}

function both(body: Uint8Array): [string, string] {
  useHashFunctions(null)
  const noble = verdict(body)
  useNodeHashes()
  const node = verdict(body)
  return [noble, node]
}

describe('compact lookups verified with node:crypto hashes and with @noble/hashes', () => {
  it('genuine: both accept the same version and value', () => {
    expect(both(compact)).toEqual([`version 2: ${toHex(utf8('a2'))}`, `version 2: ${toHex(utf8('a2'))}`])
  })

  it('any bit flipped: the same verdict, never an acceptance of other bytes', () => {
    fc.assert(
      fc.property(fc.nat(compact.length * 8 - 1), (bit) => {
        const body = compact.slice()
        body[bit >> 3]! ^= 1 << (bit & 7)
        const [noble, node] = both(body)
        expect(node).toBe(noble)
        expect(node.startsWith('version')).toBe(false)
      }),
      { numRuns: 120 },
    )
  })
})

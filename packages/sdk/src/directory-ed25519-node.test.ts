// Issue 18: in Node the lookup path's Ed25519 checks — the checkpoint note's signature, witness
// cosignatures, the enrolment signatures of a person's devices — run on node:crypto once the
// process chose it (nodeCryptoProvider() does), and still refuse a single flipped bit; the
// portable @noble path refuses the same.
import { approvalStatement, deviceIdFromKey, registrationStatement, toBase64Url, type DirectoryDevice } from '@candor/protocol'
import { generateDeviceKey, signDetached } from '@candor/crypto'
import { ed25519VerifyInUse, nodeCryptoProvider, nodeVerifyDetached, nobleEd25519Verify, useEd25519Verify } from '@candor/crypto/node'
import {
  cosigner,
  cosignatureVerifier,
  ed25519NoteSigner,
  formatNote,
  formatVerifierKey,
  noteVerifierFromKey,
  openCheckpoint,
  parseNote,
  signCheckpoint,
  SIG_TYPE_ED25519,
  type NoteVerifier,
} from '@candor/transparency'
import { afterAll, describe, expect, it } from 'vitest'
import { attestationValid } from './directory.ts'

const origin = 'candor.example/directory'
const flip = (bytes: Uint8Array, i: number): Uint8Array => {
  const out = bytes.slice()
  out[i] = out[i]! ^ (1 << (i % 8))
  return out
}
// Bytes of R (0, 31) and of S (32, 63), and one in the middle of each half.
const POSITIONS = [0, 17, 31, 32, 45, 63]

function signedCheckpoint() {
  const dirKey = generateDeviceKey()
  const witnessKey = generateDeviceKey()
  const note = signCheckpoint({ origin, size: 7, rootHash: new Uint8Array(32).fill(9), extensions: [] }, [
    ed25519NoteSigner(origin, dirKey.secretKey),
    cosigner('witness.example/w1', witnessKey.secretKey, () => 1_700_000_000),
  ])
  const verifier = noteVerifierFromKey(formatVerifierKey(origin, SIG_TYPE_ED25519, dirKey.publicKey))!
  const witness = cosignatureVerifier('witness.example/w1', witnessKey.publicKey)!
  return { note, verifier, witness }
}

/** The note with one bit of its `which`-th signature flipped at Ed25519 signature byte `i`. */
function tampered(note: string, which: number, i: number): string {
  const parsed = parseNote(note)!
  const sigs = parsed.signatures.map((s, k) => {
    if (k !== which) return s
    const offset = s.signature.length - 64 // a cosignature carries an 8-byte timestamp first
    return { ...s, signature: flip(s.signature, offset + i) }
  })
  return formatNote(parsed.text, sigs)
}

const opens = (note: string, verifier: NoteVerifier) => openCheckpoint(note, verifier.name, [verifier]) !== null

function enrolments(userId: string): DirectoryDevice[] {
  const first = generateDeviceKey()
  const firstKey = toBase64Url(first.publicKey)
  const firstId = deviceIdFromKey(first.publicKey)
  const registered: DirectoryDevice = { id: firstId, key: firstKey, by: firstId, byKey: firstKey, sig: toBase64Url(signDetached(first.secretKey, registrationStatement(userId, firstKey))) }
  const secondKey = generateDeviceKey().publicKey
  const second = toBase64Url(secondKey)
  const approved: DirectoryDevice = { id: deviceIdFromKey(secondKey), key: second, by: firstId, byKey: firstKey, sig: toBase64Url(signDetached(first.secretKey, approvalStatement(firstId, userId, second))) }
  return [registered, approved]
}

const withSig = (d: DirectoryDevice, i: number): DirectoryDevice => ({ ...d, sig: toBase64Url(flip(Buffer.from(d.sig, 'base64url'), i)) })

afterAll(() => useEd25519Verify(null))

describe('lookup-path Ed25519 checks on node:crypto', () => {
  it('nodeCryptoProvider() switches verifyDetached to node:crypto, once for the process', () => {
    useEd25519Verify(null)
    expect(ed25519VerifyInUse()).toBe(nobleEd25519Verify)
    nodeCryptoProvider()
    expect(ed25519VerifyInUse()).toBe(nodeVerifyDetached)
  })

  for (const path of ['node:crypto', '@noble/curves'] as const) {
    describe(path, () => {
      // Counts the checks that reach the chosen implementation, so a test passing by another route fails.
      let calls = 0
      const use = () => {
        const impl = path === 'node:crypto' ? nodeVerifyDetached : nobleEd25519Verify
        calls = 0
        useEd25519Verify((k, m, s) => {
          calls++
          return impl(k, m, s)
        })
      }

      it('opens a checkpoint and refuses one with a flipped bit in its signature or cosignature', () => {
        use()
        const { note, verifier, witness } = signedCheckpoint()
        expect(opens(note, verifier)).toBe(true)
        expect(openCheckpoint(note, origin, [witness])).not.toBeNull()
        const before = calls
        for (const i of POSITIONS) {
          expect(opens(tampered(note, 0, i), verifier)).toBe(false)
          expect(openCheckpoint(tampered(note, 1, i), origin, [witness])).toBeNull()
          // The other signature still opens it: the flip is what was refused.
          expect(opens(tampered(note, 1, i), verifier)).toBe(true)
        }
        expect(calls - before).toBe(3 * POSITIONS.length)
      })

      it('accepts enrolment signatures and refuses each with a flipped bit', () => {
        use()
        const userId = `u-${path}-${Math.random()}`
        const [registered, approved] = enrolments(userId)
        expect(attestationValid(userId, registered!)).toBe(true)
        expect(attestationValid(userId, approved!)).toBe(true)
        const before = calls
        for (const i of POSITIONS) {
          expect(attestationValid(userId, withSig(registered!, i))).toBe(false)
          expect(attestationValid(userId, withSig(approved!, i))).toBe(false)
        }
        expect(calls - before).toBe(2 * POSITIONS.length)
      })
    })
  }
})

import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { fromBase64 } from './base64.ts'
import { utf8 } from './bytes.ts'
import { ed25519NoteSigner, ed25519NoteVerifier } from './note-ed25519.ts'
import { formatVerifierKey, noteVerifierFromKey } from './note-verifier-key.ts'
import { addNoteSignatures, openNote, parseNote } from './signed-note.ts'
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint, type Checkpoint } from './tlog-checkpoint.ts'
import { cosignatureKeyId, cosignatureMessage, cosignatureTimestamp, cosigner, cosignatureVerifier } from './tlog-cosignature.ts'

// The example checkpoint of c2sp.org/tlog-checkpoint and tlog-cosignature.
const SPEC_EXAMPLE = `example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==
`

const seed = (n: number): Uint8Array => new Uint8Array(32).fill(n)
const origin = 'candor.example/directory'
const checkpoint: Checkpoint = { origin, size: 42, rootHash: new Uint8Array(32).fill(7), extensions: [] }

describe('C2SP tlog-checkpoint', () => {
  it('parses the spec example', () => {
    const parsed = parseNote(SPEC_EXAMPLE)!
    const cp = parseCheckpoint(parsed.text)!
    expect(cp.origin).toBe('example.com/behind-the-sofa')
    expect(cp.size).toBe(20852163)
    expect(cp.rootHash).toEqual(fromBase64('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I='))
    expect(formatCheckpoint(cp)).toBe(parsed.text)
    expect(cosignatureTimestamp(parsed.signatures[1]!)).toBe(1679315147)
  })

  it('round-trips with extension lines', () => {
    const cp = { ...checkpoint, extensions: ['ext one', 'two'] }
    expect(parseCheckpoint(formatCheckpoint(cp))).toEqual(cp)
  })

  it('rejects malformed bodies', () => {
    const bad = [
      'o\n01\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n', 'o\n-1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n',
      'o\n1\nBwcH\n', 'o\n1\n', '\n1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n',
      'o\n1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\nx\n', 'o\n99999999999999999999\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n',
      'o\n1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=', 42,
    ]
    for (const b of bad) expect(parseCheckpoint(b)).toBeNull()
    expect(parseCheckpoint('o\n1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n')).not.toBeNull()
  })

  it('signs and opens, checking origin and signature', () => {
    const log = ed25519NoteSigner(origin, seed(1))
    const logV = ed25519NoteVerifier(origin, ed25519.getPublicKey(seed(1)))!
    const note = signCheckpoint(checkpoint, [log])
    expect(openCheckpoint(note, origin, [logV])?.checkpoint).toEqual(checkpoint)
    expect(openCheckpoint(note, 'other.example/log', [logV])).toBeNull()
    expect(openCheckpoint(note.replace('\n42\n', '\n43\n'), origin, [logV])).toBeNull()
  })
})

describe('C2SP tlog-cosignature (cosignature/v1, Ed25519)', () => {
  const witnessName = 'witness.example/w1'
  const witnessPub = ed25519.getPublicKey(seed(5))

  it('builds the message exactly as in the spec', () => {
    const body = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'
    expect(new TextDecoder().decode(cosignatureMessage(1679315147, utf8(body)))).toBe(
      'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    )
  })

  it('uses key type 0x04 in the key ID and the vkey', () => {
    const signer = cosigner(witnessName, seed(5), () => 1700000000)
    expect(signer.keyId).toBe(cosignatureKeyId(witnessName, witnessPub))
    expect(signer.keyId).not.toBe(ed25519NoteSigner(witnessName, seed(5)).keyId)
    const vkey = formatVerifierKey(witnessName, 0x04, witnessPub)
    expect(noteVerifierFromKey(vkey)?.keyId).toBe(signer.keyId)
  })

  it('cosigns a checkpoint, carrying the timestamp, and fails when tampered', () => {
    const log = ed25519NoteSigner(origin, seed(1))
    const logV = ed25519NoteVerifier(origin, ed25519.getPublicKey(seed(1)))!
    const witnessV = cosignatureVerifier(witnessName, witnessPub)!
    const cosigned = addNoteSignatures(signCheckpoint(checkpoint, [log]), [cosigner(witnessName, seed(5), () => 1700000000)])!
    const opened = openCheckpoint(cosigned, origin, [logV, witnessV])!
    expect(opened.verified).toHaveLength(2)
    expect(cosignatureTimestamp(opened.verified[1]!)).toBe(1700000000)
    // The witness signature alone is enough for openNote, but not a different body or time.
    expect(openNote(cosigned, [witnessV])).not.toBeNull()
    expect(openNote(cosigned.replace('\n42\n', '\n41\n'), [witnessV])).toBeNull()
    const parsed = parseNote(cosigned)!
    const sig = parsed.signatures[1]!.signature.slice()
    sig[7]! ^= 1 // timestamp changed: signature no longer matches
    expect(witnessV.verify(utf8(parsed.text), sig)).toBe(false)
    expect(witnessV.verify(utf8(parsed.text), parsed.signatures[1]!.signature)).toBe(true)
    expect(witnessV.verify(utf8(parsed.text), new Uint8Array(71))).toBe(false)
  })
})

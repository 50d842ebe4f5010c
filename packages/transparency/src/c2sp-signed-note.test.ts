import { readFileSync } from 'node:fs'
import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { ed25519NoteSigner, ed25519NoteVerifier, noteKeyId, SIG_TYPE_ED25519 } from './note-ed25519.ts'
import { formatVerifierKey, noteVerifierFromKey, parseVerifierKey } from './note-verifier-key.ts'
import { addNoteSignatures, formatNote, openNote, parseNote, signNote } from './signed-note.ts'

const example = JSON.parse(
  readFileSync(new URL('../../../vectors/c2sp-signed-note-example.json', import.meta.url), 'utf8'),
) as { verifierKey: string; note: string; valid: boolean }

const seed = (n: number): Uint8Array => new Uint8Array(32).fill(n)

describe('C2SP signed-note worked example', () => {
  const verifier = noteVerifierFromKey(example.verifierKey)

  it('parses the verifier key and checks its key ID', () => {
    const key = parseVerifierKey(example.verifierKey)
    expect(key).not.toBeNull()
    expect(key!.name).toBe('example.com/foo')
    expect(key!.keyId).toBe(0x530d903a)
    expect(key!.type).toBe(SIG_TYPE_ED25519)
    expect(formatVerifierKey(key!.name, key!.type, key!.publicKey)).toBe(example.verifierKey)
  })

  it('verifies the example note', () => {
    expect(example.valid).toBe(true)
    const opened = openNote(example.note, [verifier!])
    expect(opened?.text).toBe('This is an example message.\n')
    expect(opened?.verified.map((s) => s.name)).toEqual(['example.com/foo'])
  })

  it('rejects tampered copies (negative control)', () => {
    expect(openNote(example.note.replace('example message', 'exemple message'), [verifier!])).toBeNull()
    // Flip one bit inside the signature's base64 (after the key ID).
    const at = example.note.lastIndexOf(' ') + 20
    const c = example.note[at]!
    const tampered = example.note.slice(0, at) + (c === 'A' ? 'B' : 'A') + example.note.slice(at + 1)
    expect(openNote(tampered, [verifier!])).toBeNull()
    // A wrong key ID in the vkey is refused outright.
    expect(parseVerifierKey(example.verifierKey.replace('+530d903a+', '+530d903b+'))).toBeNull()
  })
})

describe('signed notes', () => {
  const alice = ed25519NoteSigner('alice.example/log', seed(1))
  const bob = ed25519NoteSigner('bob.example/w', seed(2))
  const aliceV = ed25519NoteVerifier('alice.example/log', ed25519.getPublicKey(seed(1)))!
  const bobV = ed25519NoteVerifier('bob.example/w', ed25519.getPublicKey(seed(2)))!

  it('computes key IDs as SHA-256(name || 0x0A || 0x01 || key)[:4]', () => {
    expect(alice.keyId).toBe(aliceV.keyId)
    expect(alice.keyId).toBe(noteKeyId('alice.example/log', 1, ed25519.getPublicKey(seed(1))))
  })

  it('signs with several keys; each verifier finds its own; unknown signers are ignored', () => {
    const note = signNote('hello\n\nworld\n', [alice, bob])
    expect(openNote(note, [aliceV])?.verified.map((s) => s.name)).toEqual(['alice.example/log'])
    expect(openNote(note, [aliceV, bobV])?.verified).toHaveLength(2)
    expect(openNote(note, [aliceV])?.text).toBe('hello\n\nworld\n')
    expect(openNote(note, [])).toBeNull()
  })

  it('ignores a signature whose name matches but key ID does not', () => {
    const impostor = ed25519NoteSigner('alice.example/log', seed(9))
    const note = signNote('hi\n', [impostor, alice])
    expect(openNote(note, [aliceV])?.verified).toHaveLength(1)
    expect(openNote(signNote('hi\n', [impostor]), [aliceV])).toBeNull()
  })

  it('rejects the note if a known key\'s signature fails', () => {
    const note = signNote('hi\n', [alice, bob])
    const parsed = parseNote(note)!
    const bad = parsed.signatures.map((s, i) =>
      i === 1 ? { ...s, signature: s.signature.map((b, j) => (j === 0 ? b ^ 1 : b)) } : s,
    )
    const forged = formatNote(parsed.text, bad)
    expect(openNote(forged, [aliceV])).not.toBeNull()
    expect(openNote(forged, [aliceV, bobV])).toBeNull()
  })

  it('appends cosignatures to an existing note', () => {
    const note = addNoteSignatures(signNote('x\n', [alice]), [bob])!
    expect(openNote(note, [aliceV, bobV])?.verified).toHaveLength(2)
  })

  it('refuses malformed notes and garbage without throwing', () => {
    const good = signNote('hi\n', [alice])
    const bad: unknown[] = [
      undefined, 42, '', 'hi\n', good.replace('\n\n', '\n'), good.slice(0, -1), good.replace('\u2014', '-'),
      good.replace('hi', 'h\ti'), good.replace('hi', '\uD800'), good + '\n', '\n\n' + good.split('\n\n')[1],
      good.replace(/ [^ ]+\n$/, ' !!!!\n'), good.replace(/ [^ ]+\n$/, ' AAAA\n'),
    ]
    for (const b of bad) expect(openNote(b, [aliceV])).toBeNull()
    expect(openNote(good, null as never)).toBeNull()
    for (const k of [undefined, '', 'a+b', 'a+0000000g+AQ==', 'a b+12345678+AQ==', 'x+12345678+AQ']) {
      expect(parseVerifierKey(k)).toBeNull()
    }
    expect(ed25519NoteVerifier('a', new Uint8Array(31))).toBeNull()
    expect(aliceV.verify(new Uint8Array(1), new Uint8Array(63))).toBe(false)
  })

  it('rejects invalid key names', () => {
    expect(() => ed25519NoteSigner('a b', seed(1))).toThrow()
    expect(() => ed25519NoteSigner('a+b', seed(1))).toThrow()
    expect(() => ed25519NoteSigner('', seed(1))).toThrow()
  })
})

import { describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { formatVerifierKey, parseVerifierKey } from './note-verifier-key.ts'
import { SIG_TYPE_ED25519 } from './note-ed25519.ts'

describe('verifier keys', () => {
  it('parse when the base64 key contains "+" (regression: split only at the first two)', () => {
    let vkey = ''
    for (let i = 0; i < 1000 && !vkey.split('+')[2]?.includes('+') && !(vkey.split('+').length > 3); i++) {
      vkey = formatVerifierKey('example.com/log', SIG_TYPE_ED25519, ed25519.getPublicKey(ed25519.utils.randomSecretKey()))
    }
    expect(vkey.split('+').length).toBeGreaterThan(3)
    expect(parseVerifierKey(vkey)?.name).toBe('example.com/log')
    // A tampered key id still fails.
    expect(parseVerifierKey(vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+'))).toBeNull()
  })
})

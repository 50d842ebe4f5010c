import { describe, expect, it } from 'vitest';
import { generateDeviceKey } from './device-key.ts';
import { getSuite } from './ciphersuite.ts';
import { nodeCryptoProvider } from './node/index.ts';
import { newRecoverySecret, parseRecoverySecret, recoveryKeyPair } from './recovery-key.ts';
import { openArchive, sealArchive } from './sealed-archive.ts';

describe('recovery secret and key (docs/protocol.md §4.2)', () => {
  it('writes eight groups of four and reads back what a person types, forgivingly', () => {
    const text = newRecoverySecret();
    expect(text).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    const secret = parseRecoverySecret(text);
    expect(secret.length).toBe(18);
    expect(parseRecoverySecret(` ${text.toLowerCase().replace(/-/g, ' ')} `)).toEqual(secret);
    expect(parseRecoverySecret(text.replace(/1/g, 'l').replace(/0/g, 'O'))).toEqual(secret);
    expect(newRecoverySecret()).not.toBe(text);
  });

  it('refuses a mistyped letter, a missing group and junk, saying why', () => {
    const text = newRecoverySecret();
    const i = 5;
    const swapped = text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);
    expect(() => parseRecoverySecret(swapped)).toThrow(/check does not match/);
    expect(() => parseRecoverySecret(text.slice(5))).toThrow(/expected 32 letters/);
    expect(() => parseRecoverySecret(text.replace(/^./, 'U'))).toThrow(/expected 32/);
    expect(() => parseRecoverySecret(42)).toThrow(/recovery secret/);
  });

  it('derives the same key from the same secret, a different one per user and per secret', () => {
    const s = parseRecoverySecret(newRecoverySecret());
    const a = recoveryKeyPair(s, 'alice');
    expect(recoveryKeyPair(Uint8Array.from(s), 'alice')).toEqual(a);
    expect(recoveryKeyPair(s, 'bob').publicKey).not.toEqual(a.publicKey);
    expect(recoveryKeyPair(parseRecoverySecret(newRecoverySecret()), 'alice').publicKey).not.toEqual(a.publicKey);
  });
});

describe('sealed archives', () => {
  it('open only with the key they were sealed to, for the same parties, unchanged', async () => {
    const suite = await getSuite(nodeCryptoProvider());
    const to = recoveryKeyPair(parseRecoverySecret(newRecoverySecret()), 'alice');
    const other = generateDeviceKey();
    const parties = { userId: 'alice', sender: 'dev1', recipient: 'recovery' };
    const plain = new TextEncoder().encode('the history');
    const sealed = await sealArchive(suite, to.publicKey, parties, plain);
    expect(await openArchive(suite, to.secretKey, parties, sealed)).toEqual(plain);
    expect(await openArchive(suite, other.secretKey, parties, sealed)).toBeNull();
    expect(await openArchive(suite, to.secretKey, { ...parties, userId: 'mallory' }, sealed)).toBeNull();
    expect(await openArchive(suite, to.secretKey, { ...parties, recipient: 'dev2' }, sealed)).toBeNull();
    const flipped = Uint8Array.from(sealed);
    flipped[flipped.length - 1]! ^= 1;
    expect(await openArchive(suite, to.secretKey, parties, flipped)).toBeNull();
    expect(await openArchive(suite, to.secretKey, parties, sealed.subarray(0, 20))).toBeNull();
    // Sealed to a device key the same way.
    const device = generateDeviceKey();
    expect(await openArchive(suite, device.secretKey, parties, await sealArchive(suite, device.publicKey, parties, plain))).toEqual(plain);
  });
});

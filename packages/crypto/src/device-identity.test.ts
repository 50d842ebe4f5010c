import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DirectoryAuthenticationService,
  decodeDeviceCredential,
  encodeDeviceCredential,
  generateDeviceKey,
  safetyNumber,
  signDetached,
  verifyDetached,
} from './index.ts';

const id = fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' });

describe('device credentials', () => {
  it('round-trips any well-formed ids', () => {
    fc.assert(
      fc.property(id, id, (userId, deviceId) => {
        expect(decodeDeviceCredential(encodeDeviceCredential(userId, deviceId))).toEqual({ userId, deviceId });
      }),
    );
  });

  it('is canonical: the documented bytes', () => {
    const c = encodeDeviceCredential('u1', 'd1');
    expect(c.credentialType === 'basic' && new TextDecoder().decode(c.identity)).toBe('{"d":"d1","u":"u1"}');
  });

  it('returns null on garbage and non-canonical encodings', () => {
    const basic = (s: string | Uint8Array) => ({
      credentialType: 'basic' as const,
      identity: typeof s === 'string' ? new TextEncoder().encode(s) : s,
    });
    for (const bad of ['', 'null', '[]', '{"u":"u1","d":"d1"}', '{"d":"d1", "u":"u1"}', '{"d":"","u":"u"}', '{"d":1,"u":"u"}', '{"d":"d","u":"u","x":1}']) {
      expect(decodeDeviceCredential(basic(bad)), bad).toBeNull();
    }
    expect(decodeDeviceCredential(basic(new Uint8Array([0xff, 0xfe])))).toBeNull();
    expect(decodeDeviceCredential({ credentialType: 'x509', certificates: [] })).toBeNull();
    // Never throws on arbitrary bytes.
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => void decodeDeviceCredential(basic(b))));
  });

  it('refuses ids that cannot round-trip', () => {
    expect(() => encodeDeviceCredential('', 'd')).toThrow(TypeError);
    expect(() => encodeDeviceCredential('u', '\ud800')).toThrow(TypeError);
    expect(() => encodeDeviceCredential('u'.repeat(257), 'd')).toThrow(TypeError);
  });
});

describe('DirectoryAuthenticationService', () => {
  const key = generateDeviceKey().publicKey;
  const auth = new DirectoryAuthenticationService(async (u, d) => (u === 'u' && d === 'd' ? key : null));
  it('accepts only the bound key for a decodable credential', async () => {
    expect(await auth.validateCredential(encodeDeviceCredential('u', 'd'), key)).toBe(true);
    expect(await auth.validateCredential(encodeDeviceCredential('u', 'd'), generateDeviceKey().publicKey)).toBe(false);
    expect(await auth.validateCredential(encodeDeviceCredential('u', 'other'), key)).toBe(false);
    expect(await auth.validateCredential({ credentialType: 'basic', identity: new Uint8Array([1]) }, key)).toBe(false);
  });
});

describe('device keys', () => {
  it('sign/verify round-trips and rejects tampering', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), fc.nat(), (msg, flip) => {
        const k = generateDeviceKey();
        const sig = signDetached(k.secretKey, msg);
        expect(verifyDetached(k.publicKey, msg, sig)).toBe(true);
        const bad = sig.slice();
        bad[flip % 64]! ^= 1;
        expect(verifyDetached(k.publicKey, msg, bad)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  it('verify returns false, never throws, on garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 70 }), (pk, m, s) => {
        expect(verifyDetached(pk, m, s)).toBe(false);
      }),
    );
    expect(verifyDetached(null as unknown as Uint8Array, new Uint8Array(), new Uint8Array())).toBe(false);
  });
});

describe('safetyNumber', () => {
  const a = { userId: 'alice', keys: [generateDeviceKey().publicKey, generateDeviceKey().publicKey] };
  const b = { userId: 'bob', keys: [generateDeviceKey().publicKey] };
  it('is 60 digits in 12 groups, independent of party and key order', () => {
    const n = safetyNumber(a, b);
    expect(n).toMatch(/^\d{5}( \d{5}){11}$/);
    expect(safetyNumber(b, a)).toBe(n);
    expect(safetyNumber({ ...a, keys: [...a.keys].reverse() }, b)).toBe(n);
  });
  it('changes when any key or identity changes', () => {
    const n = safetyNumber(a, b);
    expect(safetyNumber(a, { ...b, keys: [generateDeviceKey().publicKey] })).not.toBe(n);
    expect(safetyNumber(a, { ...b, userId: 'bob2' })).not.toBe(n);
  });
});

// The X-Wing hybrid KEM (draft-connolly-cfrg-xwing-kem: ML-KEM-768 + X25519) for HPKE, from
// @hpke/hybridkem-x-wing (pure JS: the same code in Node and browsers). Loaded on first use, so a
// client that never meets the post-quantum suite does not pay for it.
//
// The library's X25519 is @hpke/common's BigInt Montgomery ladder (≈ 1.5 ms a call on this
// machine). A commit at 128 members makes about 20 of them (a key pair derived per path node, two
// per encapsulation), a third of its CPU time; given X25519 primitives (node:crypto in the Node
// provider), the KEM's X25519 runs on them instead. Likewise the Keccak hashes inside ML-KEM
// (mlkem's JS Keccak was the next largest cost: ≈ 12% of a commit): given SHA-3 functions, the
// ML-KEM object's hash steps (its G, H, KDF, XOF and PRFs, FIPS 203 §4.1) call them. The ML-KEM
// arithmetic and the X-Wing construction stay the library's; the known-answer tests
// (test/xwing-kem-kat.test.ts) run with and without both replacements.
import type { KemInterface } from '@hpke/core';
import type { X25519Primitives } from './dhkem-x25519.ts';

/** SHA-3 (FIPS 202) over the concatenation of `parts`; node:crypto's in the Node provider. */
export interface Sha3Functions {
  sha3_256(...parts: Uint8Array[]): Uint8Array;
  sha3_512(...parts: Uint8Array[]): Uint8Array;
  shake128(length: number, ...parts: Uint8Array[]): Uint8Array;
  shake256(length: number, ...parts: Uint8Array[]): Uint8Array;
}

export interface XWingParts {
  x25519?: X25519Primitives;
  sha3?: Sha3Functions;
}

let loading: Promise<new () => KemInterface> | undefined;

/** The shape of the library's X25519 part (XWing's protected `_x25519`, @hpke/hybridkem-x-wing 0.7). */
interface XWingX25519Part {
  derive(sk: Uint8Array, pk: Uint8Array): Promise<Uint8Array>;
}

/** X25519's base point u = 9: `derive(sk, BASE)` is the public key of sk. */
const isBasePoint = (pk: Uint8Array): boolean => pk.length === 32 && pk[0] === 9 && pk.subarray(1).every((b) => b === 0);

function x25519Part(x: X25519Primitives): XWingX25519Part {
  return {
    derive: async (sk, pk) => (isBasePoint(pk) ? x.publicKey(sk) : x.sharedSecret(sk, pk)),
  };
}

/**
 * The hash steps of mlkem's MlKem768 (mlkem 2.7, src/mlKemBase.ts): each returns a buffer the
 * caller reads (or slices) before the next call; `_bufPrf1`/`_bufPrf2` give the PRF lengths.
 */
interface MlKemHashSteps {
  _g(a: Uint8Array, b?: Uint8Array): [Uint8Array, Uint8Array];
  _h(msg: Uint8Array): Uint8Array;
  _kdf(a: Uint8Array, b?: Uint8Array): Uint8Array;
  _xof(seed: Uint8Array): Uint8Array;
  _prf1(sigma: Uint8Array, nonce: number): Uint8Array;
  _prf2(sigma: Uint8Array, nonce: number): Uint8Array;
  _bufXof: Uint8Array;
  _bufPrf1: Uint8Array;
  _bufPrf2: Uint8Array;
}

const STEPS = ['_g', '_h', '_kdf', '_xof', '_prf1', '_prf2'] as const;

function useSha3(m: MlKemHashSteps, h: Sha3Functions): void {
  const prf1Length = m._bufPrf1.length;
  const prf2Length = m._bufPrf2.length;
  const xofLength = m._bufXof.length;
  const opt = (b?: Uint8Array) => (b === undefined ? [] : [b]);
  m._g = (a, b) => {
    const out = h.sha3_512(a, ...opt(b));
    return [out.subarray(0, 32), out.subarray(32, 64)];
  };
  m._h = (msg) => h.sha3_256(msg);
  m._kdf = (a, b) => h.shake256(32, a, ...opt(b));
  m._xof = (seed) => h.shake128(xofLength, seed);
  m._prf1 = (sigma, nonce) => h.shake256(prf1Length, sigma, new Uint8Array([nonce]));
  m._prf2 = (sigma, nonce) => h.shake256(prf2Length, sigma, new Uint8Array([nonce]));
}

export async function xWingKem(parts: XWingParts = {}): Promise<KemInterface> {
  loading ??= import('@hpke/hybridkem-x-wing').then((m) => m.XWing as unknown as new () => KemInterface);
  loading.catch(() => (loading = undefined));
  const kem = new (await loading)();
  // Fail loudly if a library update reshapes a part, rather than silently running the slow one.
  const inner = kem as unknown as { _x25519?: XWingX25519Part; _m?: Partial<MlKemHashSteps> };
  if (parts.x25519 !== undefined) {
    if (typeof inner._x25519?.derive !== 'function') throw new Error('X-Wing: the library no longer exposes its X25519 part');
    inner._x25519 = x25519Part(parts.x25519);
  }
  if (parts.sha3 !== undefined) {
    const m = inner._m;
    const shaped =
      m !== undefined &&
      STEPS.every((k) => typeof m[k] === 'function') &&
      [m._bufXof, m._bufPrf1, m._bufPrf2].every((b) => b instanceof Uint8Array);
    if (!shaped) throw new Error('X-Wing: the library no longer exposes its ML-KEM hash steps');
    useSha3(m as MlKemHashSteps, parts.sha3);
  }
  return kem;
}

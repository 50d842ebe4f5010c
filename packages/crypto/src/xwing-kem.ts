// The X-Wing hybrid KEM (draft-connolly-cfrg-xwing-kem: ML-KEM-768 + X25519) for HPKE, from
// @hpke/hybridkem-x-wing (pure JS: the same code in Node and browsers). Loaded on first use, so a
// client that never meets the post-quantum suite does not pay for it.
//
// The library's X25519 is @hpke/common's BigInt Montgomery ladder (≈ 1.5 ms a call on this
// machine). A commit at 128 members makes about 20 of them (a key pair derived per path node, two
// per encapsulation), a third of its CPU time; given X25519 primitives (node:crypto in the Node
// provider), the KEM's X25519 runs on them instead. ML-KEM, SHAKE and SHA3 stay the library's.
import type { KemInterface } from '@hpke/core';
import type { X25519Primitives } from './dhkem-x25519.ts';

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

export async function xWingKem(x25519?: X25519Primitives): Promise<KemInterface> {
  loading ??= import('@hpke/hybridkem-x-wing').then((m) => m.XWing as unknown as new () => KemInterface);
  loading.catch(() => (loading = undefined));
  const kem = new (await loading)();
  if (x25519 !== undefined) {
    const inner = kem as unknown as { _x25519?: XWingX25519Part };
    // Fail loudly if a library update renames the part, rather than silently running the slow one.
    if (typeof inner._x25519?.derive !== 'function') throw new Error('X-Wing: the library no longer exposes its X25519 part');
    inner._x25519 = x25519Part(x25519);
  }
  return kem;
}

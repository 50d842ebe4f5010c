// The X-Wing hybrid KEM (draft-connolly-cfrg-xwing-kem: ML-KEM-768 + X25519) for HPKE, from
// @hpke/hybridkem-x-wing (pure JS: the same code in Node and browsers). Loaded on first use, so a
// client that never meets the post-quantum suite does not pay for it.
import type { KemInterface } from '@hpke/core';

let loading: Promise<new () => KemInterface> | undefined;

export async function xWingKem(): Promise<KemInterface> {
  loading ??= import('@hpke/hybridkem-x-wing').then((m) => m.XWing as unknown as new () => KemInterface);
  loading.catch(() => (loading = undefined));
  return new (await loading)();
}

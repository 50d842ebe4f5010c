// Which Ed25519 public keys Candor accepts: exactly those the portable check (@noble, RFC 8032
// without ZIP 215) accepts — a canonical encoding of a point not of small order. OpenSSL (Node)
// and WebCrypto implementations may take a small-order key, under which R = identity, S = 0
// verifies for every message; every verifier that hands a key to them asks this first, so a
// signature means the same on every platform. Public data only: variable time is fine.
import { ed25519 } from '@noble/curves/ed25519.js';

export function isAcceptedEd25519Key(raw: Uint8Array): boolean {
  try {
    return raw.length === 32 && !ed25519.Point.fromBytes(raw, false).isSmallOrder();
  } catch {
    return false;
  }
}

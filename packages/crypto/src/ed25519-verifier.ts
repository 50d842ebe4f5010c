// The process's Ed25519 signature check behind verifyDetached (issue 18, "Lookup verification in
// the client ≤ 5 ms"). Portable by default (@noble/curves, ≈ 1.5 ms a signature here); a Node
// process installs OpenSSL's (≈ 0.05–0.1 ms) once, through @candor/crypto/node's
// useNodeEd25519() — which nodeCryptoProvider() calls, so a Node client, server or bench that
// made its provider checks enrolments and checkpoint signatures the fast way. This file imports
// nothing from Node: browser bundles keep the portable check.
import { ed25519 } from '@noble/curves/ed25519.js';

/** RFC 8032 (non-ZIP-215) verification of well-formed inputs (32-byte key, 64-byte signature). */
export type Ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

export const nobleEd25519Verify: Ed25519Verify = (publicKey, message, signature) =>
  ed25519.verify(signature, message, publicKey, { zip215: false });

let current: Ed25519Verify = nobleEd25519Verify;

/** Chooses the implementation verifyDetached uses (null: the portable one). */
export function useEd25519Verify(verify: Ed25519Verify | null): void {
  current = verify ?? nobleEd25519Verify;
}

/** The implementation in use (for a measurement or a test to say which one ran). */
export function ed25519VerifyInUse(): Ed25519Verify {
  return current;
}

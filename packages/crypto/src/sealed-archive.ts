// A history archive sealed to one Ed25519 key the key directory proves — a device's, or the
// person's recovery key — with HPKE (RFC 9180; the MLS suite's DHKEM(X25519), HKDF-SHA256,
// AES-128-GCM) to that key's X25519 form (the birational map RFC 7748 §4.1 describes, as age's
// ssh-ed25519 recipients and libsodium use). Single-shot: `enc ‖ ciphertext`. The AAD names who
// it is from and for, so the server cannot hand one person's archive to another device as its own.
import { ed25519 } from '@noble/curves/ed25519.js';
import { utf8 } from '@candor/protocol';
import type { MlsSuite } from './mls/mls-types.ts';

const INFO = utf8('candor/archive/v1');
const ENC_BYTES = 32;

export interface ArchiveParties {
  userId: string;
  /** The sealing device. */
  sender: string;
  /** A device id, or `recovery`. */
  recipient: string;
}

function aad(p: ArchiveParties): Uint8Array {
  return utf8(`candor/archive/v1\n${p.userId}\n${p.sender}\n${p.recipient}`);
}

export async function sealArchive(suite: MlsSuite, recipientKey: Uint8Array, parties: ArchiveParties, plaintext: Uint8Array): Promise<Uint8Array> {
  const publicKey = await suite.hpke.importPublicKey(ed25519.utils.toMontgomery(recipientKey));
  const { enc, ct } = await suite.hpke.seal(publicKey, plaintext, INFO, aad(parties));
  if (enc.length !== ENC_BYTES) throw new Error('unexpected HPKE encapsulation length');
  const out = new Uint8Array(enc.length + ct.length);
  out.set(enc);
  out.set(ct, enc.length);
  return out;
}

/** The plaintext, or null if it was not sealed to this key for these parties (or was changed). */
export async function openArchive(suite: MlsSuite, secretKey: Uint8Array, parties: ArchiveParties, sealed: Uint8Array): Promise<Uint8Array | null> {
  if (sealed.length <= ENC_BYTES) return null;
  try {
    const secret = await suite.hpke.importPrivateKey(ed25519.utils.toMontgomerySecret(secretKey));
    return await suite.hpke.open(secret, sealed.subarray(0, ENC_BYTES), sealed.subarray(ENC_BYTES), INFO, aad(parties));
  } catch {
    return null;
  }
}

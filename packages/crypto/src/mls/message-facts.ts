// What a device may learn about an MLS message it could not process, without its keys: the
// epoch in its header, and whether ts-mls refused it because the authentication service (the
// key directory) judged a credential invalid. The SDK uses both to tell the message's sender
// what went wrong (docs/protocol.md §2 `undecryptable`).
import { decodeMlsMessage } from 'ts-mls';
import { MlsError, ValidationError } from 'ts-mls/mlsError.js';
import { LIMITS } from '@candor/protocol';

/**
 * The epoch in the header of a PrivateMessage or PublicMessage, or null for anything else
 * (including bytes that do not decode). The header is not authenticated before decryption:
 * use it to describe a failure, never to decide what a group's state is.
 */
export function messageEpoch(bytes: Uint8Array): number | null {
  if (!(bytes instanceof Uint8Array) || bytes.length > LIMITS.handshakeBytes) return null;
  let decoded;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    return null;
  }
  if (decoded === undefined || decoded[1] !== bytes.length) return null;
  const m = decoded[0];
  if (m.wireformat === 'mls_private_message') return Number(m.privateMessage.epoch);
  if (m.wireformat === 'mls_public_message') return Number(m.publicMessage.content.epoch);
  return null;
}

/**
 * True when ts-mls refused a message because the authentication service answered "no" for a
 * credential in it. An error the service itself threw (the directory could not be asked)
 * propagates unchanged and is not this.
 */
export function isCredentialRejection(e: unknown): boolean {
  return e instanceof ValidationError && /could not validate (external )?credential/i.test(e.message);
}

/** True for an error ts-mls raised about the message it was given (as opposed to one from elsewhere). */
export function isMlsRejection(e: unknown): boolean {
  return e instanceof MlsError;
}

// MLS basic credentials naming a Candor device.
//
// identity = UTF-8 of the canonical JSON {"d":deviceId,"u":userId} (keys in that order,
// JSON.stringify escaping, no whitespace). Decoding re-encodes and compares bytes, so each
// (userId, deviceId) has exactly one accepted identity and look-alike encodings are refused.
import type { Credential } from 'ts-mls';
import { bytesEqual } from './bytes.ts';

/** Upper bounds keep a hostile credential from costing more than a small parse. */
export const MAX_ID_LENGTH = 256;
const MAX_IDENTITY_BYTES = 2 * MAX_ID_LENGTH * 6 + 32;

export interface DeviceIdentity {
  userId: string;
  deviceId: string;
}

function validId(s: unknown): s is string {
  if (typeof s !== 'string' || s.length === 0 || s.length > MAX_ID_LENGTH) return false;
  // Lone surrogates do not survive UTF-8; such ids could not round-trip.
  return new TextDecoder().decode(new TextEncoder().encode(s)) === s;
}

function canonical(userId: string, deviceId: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ d: deviceId, u: userId }));
}

export function encodeDeviceCredential(userId: string, deviceId: string): Credential {
  if (!validId(userId)) throw new TypeError(`userId must be a non-empty string of at most ${MAX_ID_LENGTH} chars`);
  if (!validId(deviceId)) throw new TypeError(`deviceId must be a non-empty string of at most ${MAX_ID_LENGTH} chars`);
  return { credentialType: 'basic', identity: canonical(userId, deviceId) };
}

/** The device a credential names, or null for anything that is not our canonical form. */
export function decodeDeviceCredential(c: Credential): DeviceIdentity | null {
  try {
    if (c.credentialType !== 'basic' || !(c.identity instanceof Uint8Array)) return null;
    if (c.identity.length > MAX_IDENTITY_BYTES) return null;
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(c.identity));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    const { d, u } = parsed as Record<string, unknown>;
    if (!validId(u) || !validId(d)) return null;
    if (!bytesEqual(canonical(u, d), c.identity)) return null;
    return { userId: u, deviceId: d };
  } catch {
    return null;
  }
}

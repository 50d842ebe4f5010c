import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import type { AuthenticationService, ClientConfig, Credential } from 'ts-mls';
import { bytesEqual } from './bytes.ts';
import { decodeDeviceCredential } from './device-credential.ts';

/** Returns the Ed25519 public key the key directory binds to a device, or null if none. */
export type DirectoryResolver = (userId: string, deviceId: string) => Promise<Uint8Array | null>;

/**
 * Accepts an MLS credential only when it names a device whose directory key is exactly the
 * leaf's signature key. Resolver errors propagate (a directory outage is not a verdict).
 */
export class DirectoryAuthenticationService implements AuthenticationService {
  constructor(private readonly resolve: DirectoryResolver) {}

  async validateCredential(credential: Credential, signaturePublicKey: Uint8Array): Promise<boolean> {
    const device = decodeDeviceCredential(credential);
    if (device === null) return false;
    const bound = await this.resolve(device.userId, device.deviceId);
    if (!(bound instanceof Uint8Array) || !(signaturePublicKey instanceof Uint8Array)) return false;
    return bytesEqual(bound, signaturePublicKey);
  }
}

/**
 * ts-mls's default ClientConfig with `auth` in place of its accept-everything service.
 * Pass it to createGroup / joinGroup / joinGroupExternal; the resulting ClientState carries
 * it into createCommit and processMessage. A state restored by decodeGroupState has none,
 * so re-attach it: `{ ...decoded, clientConfig: clientConfigWith(auth) }`.
 */
export function clientConfigWith(auth: AuthenticationService): ClientConfig {
  return { ...defaultClientConfig, authService: auth };
}

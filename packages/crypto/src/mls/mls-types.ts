// The ts-mls types the rest of Candor handles, under the names we use for them. Aliases only:
// the values are ts-mls's own, so they pass to and from ts-mls unchanged.
import type { CiphersuiteImpl, ClientConfig, ClientState } from 'ts-mls';

/** One device's state in one MLS group: ts-mls's ClientState (group state plus the ClientConfig it runs with). */
export type GroupState = ClientState;
/** The cipher suite's primitives, as built by `getSuite(provider)`. */
export type MlsSuite = CiphersuiteImpl;
/** ts-mls's ClientConfig; make it with `clientConfigWith(authService)`. */
export type MlsConfig = ClientConfig;

export type { AuthenticationService, Credential, CryptoProvider, KeyPackage } from 'ts-mls';

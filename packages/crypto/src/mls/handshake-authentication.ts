// Judging a handshake's credentials by what the handshake itself says: a commit names, in its
// authenticated data, the key-directory checkpoint its committer verified against, and members
// judge its new credentials against the directory at that checkpoint (docs/protocol.md §5.1).
// ts-mls asks the authentication service of the state's config and passes it nothing about
// the message, so the caller picks a service per handshake and it is swapped in for that one
// message only.
import type { AuthenticationService } from 'ts-mls';
import type { GroupState } from './mls-types.ts';

/**
 * The GroupInfo extension (RFC 9420 private-use range) in which a Welcome carries the authenticated
 * data of the commit that made it: joiners judge the tree's credentials by it.
 */
export const HANDSHAKE_AAD_EXTENSION = 0xf0c4;

/**
 * Picks the authentication service for one handshake from its authenticated data (empty when
 * the sender wrote none); may throw to refuse the handshake outright.
 */
export type AuthenticationFor = (authenticatedData: Uint8Array) => AuthenticationService;

/** `state` judging credentials with `auth` (the config is otherwise the same). */
export function withAuthentication(state: GroupState, auth: AuthenticationService): GroupState {
  return { ...state, clientConfig: { ...state.clientConfig, authService: auth } };
}

/** The state as ts-mls returned it, but running with `original`'s config again. */
export function withConfigOf(state: GroupState, original: GroupState): GroupState {
  return { ...state, clientConfig: original.clientConfig };
}

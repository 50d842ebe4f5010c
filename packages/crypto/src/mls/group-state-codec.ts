// A device's group state as a string for its local store, and back. The encoding is ts-mls's
// (encodeGroupState), which leaves out the ClientConfig; loading attaches the caller's.
import { encodeGroupState } from 'ts-mls/clientState.js';
import { CandorError, fromBase64Url, toBase64Url } from '@candor/protocol';
import type { GroupState, MlsConfig } from './mls-types.ts';
import { decodeGroupStateExactly } from './ts-mls-guards.ts';

export function saveState(state: GroupState): string {
  return toBase64Url(encodeGroupState(state));
}

/** `config` is the one the state runs with from now on (its authentication service judges every later member). */
export function loadState(encoded: string, config: MlsConfig): GroupState {
  const bytes = fromBase64Url(encoded);
  if (!bytes) throw new CandorError('internal', 'stored group state is not base64url');
  return decodeGroupStateExactly(bytes, config);
}

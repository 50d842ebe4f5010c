// Joining a group from a Welcome addressed to one of this device's key packages.
import { emptyPskIndex, joinGroup } from 'ts-mls';
import { CandorError, toBase64Url } from '@candor/protocol';
import { openStoredKeyPackage, type StoredKeyPackage } from './key-package.ts';
import type { GroupState, MlsConfig } from './mls-types.ts';
import { checkReceivedTree, decodeExactly, treeOfWelcome } from './ts-mls-guards.ts';
import { HANDSHAKE_AAD_EXTENSION, type AuthenticationFor } from './handshake-authentication.ts';
import { pickSuite, type SuiteChoice } from './suite-choice.ts';

/**
 * Finds which of this device's stored key packages the Welcome is for (`findKeyPackage` by
 * base64url KeyPackageRef) and joins with it. `config`'s authentication service judges every
 * member in the group's tree, unless `authenticationFor` picks another from the authenticated
 * data of the commit that made the Welcome (its GroupInfo's HANDSHAKE_AAD_EXTENSION; empty
 * without one); the joined state runs with `config`. `maxLeaves`: the widest tree accepted
 * (default MAX_TREE_LEAVES).
 */
export async function joinFromWelcome(
  choice: SuiteChoice,
  config: MlsConfig,
  bytes: Uint8Array,
  findKeyPackage: (ref: string) => Promise<StoredKeyPackage | undefined>,
  options: { maxLeaves?: number; authenticationFor?: AuthenticationFor } = {},
): Promise<{ state: GroupState; used: StoredKeyPackage }> {
  const welcome = decodeExactly(bytes, 'mls_welcome').welcome;
  const suite = pickSuite(choice, welcome.cipherSuite, 'invalid_mls_message');
  for (const s of welcome.secrets) {
    const kp = await findKeyPackage(toBase64Url(s.newMember));
    if (!kp) continue;
    const { publicPackage, privatePackage } = openStoredKeyPackage(kp);
    const { tree, groupInfo } = await treeOfWelcome(suite, welcome, publicPackage, privatePackage);
    checkReceivedTree(tree, options.maxLeaves);
    // Read before ts-mls checks the GroupInfo's signature; a forged value makes that check fail.
    const aad = groupInfo.extensions.find((e) => e.extensionType === HANDSHAKE_AAD_EXTENSION)?.extensionData ?? new Uint8Array();
    const judging = options.authenticationFor ? { ...config, authService: options.authenticationFor(aad) } : config;
    const joined = await joinGroup(welcome, publicPackage, privatePackage, emptyPskIndex, suite, undefined, undefined, judging);
    return { state: { ...joined, clientConfig: config }, used: kp };
  }
  throw new CandorError('invalid_mls_message', "the welcome is for none of this device's key packages");
}

// Where ts-mls 1.6.4, used the way Candor uses it, can be led astray by what it is given —
// hang, crash the process, accept what it should refuse, or read less than it was handed —
// the guard is here and only here; the other files of this folder call these before (or
// instead of) the ts-mls call concerned. README.md ("ts-mls pitfalls we guard") lists them and
// ts-mls-guards.test.ts shows each one failing without its guard.
import { decodeMlsMessage, type AuthenticationService, type Credential, type GroupInfo, type KeyPackage, type MLSMessage, type PrivateKeyPackage, type PrivateMessage, type RatchetTree, type Welcome } from 'ts-mls';
import { decodeGroupState } from 'ts-mls/clientState.js';
import { ratchetTreeFromExtension } from 'ts-mls/groupInfo.js';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { decryptGroupInfo, decryptGroupSecrets } from 'ts-mls/welcome.js';
import { CandorError, LIMITS } from '@candor/protocol';
import { bytesEqual } from '../bytes.ts';
import { decodeDeviceCredential } from '../device-credential.ts';
import { leafAt, type Leaf } from './group-members.ts';
import type { GroupState, MlsConfig, MlsSuite } from './mls-types.ts';

type Wireformat = MLSMessage['wireformat'];
export type MlsMessageOf<W extends Wireformat> = Extract<MLSMessage, { wireformat: W }>;

const NAMES: Record<Wireformat, string> = {
  mls_key_package: 'an MLS KeyPackage',
  mls_welcome: 'an MLS Welcome',
  mls_private_message: 'an MLS PrivateMessage',
  mls_public_message: 'an MLS PublicMessage',
  mls_group_info: 'an MLS GroupInfo',
};

/**
 * The most leaves a received ratchet tree may span. A group holds at most LIMITS.groupMembers
 * devices (the server refuses a commit beyond that), and ts-mls's parent-hash check on joining
 * costs about the square of the tree's width (≈6 s for 512 leaves on a 2-core server), so a
 * wider tree is refused before it is checked.
 */
export const MAX_TREE_LEAVES: number = LIMITS.groupMembers;

/**
 * Decodes one MLS message of the expected wire format that spans exactly `bytes`.
 * ts-mls's decodeMlsMessage decodes a prefix and reports how much it read — trailing bytes
 * are ignored, so one message would have many encodings — and signals malformed input by
 * returning undefined or by throwing, depending on where decoding stops.
 */
export function decodeExactly<W extends Wireformat>(
  bytes: Uint8Array,
  wireformat: W,
  code: 'invalid_mls_message' | 'invalid_key_package' = 'invalid_mls_message',
): MlsMessageOf<W> {
  const what = NAMES[wireformat];
  const max = wireformat === 'mls_key_package' ? LIMITS.keyPackageBytes : LIMITS.handshakeBytes;
  if (!(bytes instanceof Uint8Array)) throw new CandorError(code, `expected ${what} as bytes`);
  if (bytes.length > max) throw new CandorError(code, `${what} may be at most ${max} bytes, got ${bytes.length}`);
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (e) {
    throw new CandorError(code, `expected ${what}: it does not decode`, { cause: e });
  }
  if (decoded === undefined) throw new CandorError(code, `expected ${what}: it does not decode`);
  const [message, read] = decoded;
  if (read !== bytes.length) throw new CandorError(code, `expected ${what}: ${bytes.length - read} bytes follow the message`);
  if (message.wireformat !== wireformat) throw new CandorError(code, `expected ${what}, got ${NAMES[message.wireformat]}`);
  return message as MlsMessageOf<W>;
}

/**
 * Restores a state saved with encodeGroupState. ts-mls's decodeGroupState returns a state
 * without its ClientConfig (the first use then fails on `undefined.paddingConfig`, or a caller
 * attaches ts-mls's default config whose authentication service accepts everyone), ignores
 * trailing bytes, and fails by undefined or by throwing. Here the config is required.
 */
export function decodeGroupStateExactly(bytes: Uint8Array, config: MlsConfig): GroupState {
  let decoded;
  try {
    decoded = decodeGroupState(bytes, 0);
  } catch (e) {
    throw new CandorError('internal', 'stored group state does not decode', { cause: e });
  }
  if (decoded === undefined || decoded[1] !== bytes.length) throw new CandorError('internal', 'stored group state does not decode');
  return { ...decoded[0], clientConfig: config };
}

/**
 * Checks a ratchet tree received from someone else before ts-mls validates it. ts-mls walks
 * each parent node's unmerged leaves with treemath's directPath before any signature or hash
 * check, and directPath never ends for a leaf beyond the tree: the array grows until V8 aborts
 * the process. Anyone who can send this device a Welcome (any user: they claim its key
 * package) could do that. The width cap bounds the parent-hash check (see MAX_TREE_LEAVES).
 */
export function checkReceivedTree(tree: RatchetTree, maxLeaves: number = MAX_TREE_LEAVES): void {
  let last = tree.length - 1;
  while (last >= 0 && tree[last] === undefined) last--;
  if (last >= 2 * maxLeaves - 1) {
    throw new CandorError('invalid_mls_message', `the group's ratchet tree spans more than ${maxLeaves} leaves`);
  }
  const width = (tree.length + 1) / 2;
  for (const node of tree) {
    if (node?.nodeType !== 'parent') continue;
    for (const leaf of node.parent.unmergedLeaves) {
      if (!Number.isInteger(leaf) || leaf < 0 || leaf >= width) {
        throw new CandorError('invalid_mls_message', `the group's ratchet tree lists unmerged leaf ${leaf}, beyond its ${width} leaves`);
      }
    }
  }
}

/** The ratchet tree a GroupInfo carries (Candor always sends it in the ratchet_tree extension). */
export function treeOfGroupInfo(groupInfo: GroupInfo): RatchetTree {
  let tree;
  try {
    tree = ratchetTreeFromExtension(groupInfo);
  } catch (e) {
    throw new CandorError('invalid_mls_message', "the group info's ratchet tree does not decode", { cause: e });
  }
  if (tree === undefined) throw new CandorError('invalid_mls_message', 'the group info carries no ratchet tree');
  return tree;
}

/**
 * The ratchet tree inside a Welcome (and the GroupInfo carrying it), so it can be checked before joinGroup validates it: the
 * GroupInfo that carries it is encrypted, so this opens it as joinGroup will (joinGroup opens
 * it again; an HPKE open is small beside the join).
 */
export async function treeOfWelcome(
  suite: MlsSuite,
  welcome: Welcome,
  keyPackage: KeyPackage,
  privateKeys: PrivateKeyPackage,
): Promise<{ tree: RatchetTree; groupInfo: GroupInfo }> {
  const bad = (why: string, cause?: unknown) =>
    new CandorError('invalid_mls_message', `the welcome ${why}`, cause === undefined ? undefined : { cause });
  let secrets;
  try {
    const ref = await makeKeyPackageRef(keyPackage, suite.hash);
    secrets = await decryptGroupSecrets(await suite.hpke.importPrivateKey(privateKeys.initPrivateKey), ref, welcome, suite.hpke);
  } catch (e) {
    throw bad('does not open with this key package', e);
  }
  if (secrets === undefined) throw bad('holds group secrets that do not decode');
  try {
    if (secrets.psks.length > 0) throw bad('needs pre-shared keys, which Candor does not use');
    let groupInfo;
    try {
      groupInfo = await decryptGroupInfo(welcome, secrets.joinerSecret, new Uint8Array(suite.kdf.size), suite);
    } catch (e) {
      throw bad('holds a group info that does not open', e);
    }
    if (groupInfo === undefined) throw bad('holds a group info that does not decode');
    return { tree: treeOfGroupInfo(groupInfo), groupInfo };
  } finally {
    secrets.joinerSecret.fill(0);
    secrets.pathSecret?.fill(0);
  }
}

/**
 * The leaf an external commit with `resync` replaces. joinGroupExternal looks it up with
 * findIndex and, when no leaf matches, removes leaf -0.5: treemath then spins forever
 * (synchronously — no timer or timeout in the same thread can stop it).
 */
export function formerLeafForResync(tree: RatchetTree, keyPackage: KeyPackage, config: MlsConfig): number {
  const node = tree.findIndex((n) => n?.nodeType === 'leaf' && config.keyPackageEqualityConfig.compareKeyPackageToLeafNode(keyPackage, n.leaf));
  if (node < 0) throw new CandorError('invalid_mls_message', "cannot resync: no leaf of the group has this device's signature key");
  return node / 2;
}

/**
 * A commit or proposal from an epoch this device has already left. It can never apply; ts-mls
 * would decrypt it with the retained keys of that epoch and then throw ("Desired gen in the
 * past" for a redelivered one). With at-least-once delivery a redelivered commit is routine.
 */
export function isStaleHandshake(state: GroupState, message: PrivateMessage): boolean {
  return message.contentType !== 'application' && message.epoch < state.groupContext.epoch;
}

/**
 * An application message from an earlier epoch is accepted only from a device that is still a
 * member now. ts-mls keeps the keys of the last few epochs to decrypt late messages and
 * accepts them from whoever was a member then — a removed device, which still holds those
 * keys, could go on writing into the group as long as they are kept.
 */
export function checkPastEpochSender(state: GroupState, message: PrivateMessage, sender: Leaf): void {
  if (message.epoch >= state.groupContext.epoch) return;
  const now = leafAt(state.ratchetTree, sender.leafIndex);
  if (!now || !bytesEqual(now.signatureKey, sender.signatureKey)) {
    throw new CandorError('invalid_mls_message', 'a message from an earlier epoch whose sender is no longer in the group');
  }
}

/**
 * The authentication service a non-member (the delivery service) judges credentials with: a
 * credential is accepted when it names a Candor device in canonical form. Whether that device
 * exists, is active and owns the key is the caller's check (the server asks its store), which
 * ts-mls's synchronous-per-leaf service cannot batch.
 */
export const publicAuthentication: AuthenticationService = {
  async validateCredential(credential: Credential): Promise<boolean> {
    return decodeDeviceCredential(credential) !== null;
  },
};

/** A malformed signature or key makes ts-mls's verify functions throw; here that is a failed verification. */
export async function verifiesOrFalse(verify: () => Promise<boolean>): Promise<boolean> {
  try {
    return await verify();
  } catch {
    return false;
  }
}

/**
 * ts-mls signals a refused handshake by throwing its own errors (and, for some malformed input,
 * TypeErrors from deep inside); a non-member validating a commit turns every one of them into a
 * refusal naming the step, keeping CandorErrors as they are.
 */
export async function mlsStep<T>(what: string, step: () => Promise<T> | T): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof CandorError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new CandorError('invalid_mls_message', `commit rejected: ${what}: ${why}`, { cause: e });
  }
}

/*
 * Met while assembling the non-member commit validator (public-commit*.ts), guarded where used:
 * - ts-mls's decoders return byte fields as views into the input buffer: editing a decoded
 *   message edits the bytes it came from (tests re-encode from a copy).
 * - applyProposals, validateLeafNode* and validateRatchetTree report most refusals by
 *   returning an error (or throwing one, or a TypeError on malformed input) — mlsStep and the
 *   callers turn both into CandorError('invalid_mls_message').
 * - applyProposals reads a member's state (config, unapplied proposals, own leaf); a non-member
 *   hands it the public parts only, so proposals by reference and PSKs are refused before it.
 * - nothing in ts-mls checks that a commit's update path keeps the committer's identity, or that
 *   each path node carries one ciphertext per resolution node: checkSameDevice and
 *   checkPathSecretCounts do.
 */

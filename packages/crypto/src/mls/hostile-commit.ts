// What a hostile (or broken) member can post as a commit, for tests and the bench to act it out
// (docs/protocol.md §5.1: the delivery service validates a commit against the group's public
// state but cannot check its confirmation tag; members can, and report it, §5.3). Never used by
// a device on its own.
import type { GroupState, MlsSuite } from './mls-types.ts';
import { commitChanges } from './group-commit.ts';
import { groupInfoForExternalJoin } from './external-join.ts';
import { pickSuite, type SuiteChoice } from './suite-choice.ts';

/**
 * An otherwise valid commit (an update of the committer's own path, no proposals) whose
 * confirmation tag is wrong: every member that processes it rejects it. In a PrivateMessage
 * commit the confirmation tag is the suite's only MAC, so the MAC's output is flipped. Returns
 * the commit and the committer's state after it (a committer that believes its commit is fine).
 */
export async function commitWithWrongConfirmationTag(choice: SuiteChoice, state: GroupState): Promise<{ commit: Uint8Array; groupInfo: Uint8Array; state: GroupState }> {
  const suite = pickSuite(choice, state.groupContext.cipherSuite, 'invalid_mls_message');
  const hash = suite.hash;
  const tampered: MlsSuite = {
    ...suite,
    hash: {
      ...hash,
      mac: async (key: Uint8Array, data: Uint8Array) => {
        const tag = new Uint8Array(await hash.mac(key, data));
        tag[0] = tag[0]! ^ 0x01;
        return tag;
      },
    },
  };
  // The committer's own next state: where a committer that believes its commit is fine goes.
  const out = await commitChanges(tampered, state, [], []);
  // Its GroupInfo names the (wrong) tag the commit carries, as an honest one names the right one:
  // the server, which cannot check the tag, accepts the pair (docs/protocol.md §5.1).
  return { commit: out.commit, groupInfo: await groupInfoForExternalJoin(suite, out.state), state: out.state };
}

/**
 * A commit's outer header (PublicMessage, content type commit, this group and epoch, sender a
 * member leaf) over random bytes: what a member trying to freeze the group would post. The
 * delivery service refuses it (docs/protocol.md §5.1).
 */
export function junkCommit(groupId: Uint8Array, epoch: number, random: (n: number) => Uint8Array, senderLeaf = 0): Uint8Array {
  // MLSMessage: version mls10 (1), wire format public (1); FramedContent: group_id<V>, epoch u64,
  // sender (member 1, leaf u32), authenticated_data<V>, content_type (commit 3), then random bytes.
  const body = random(200);
  const parts: number[] = [0, 1, 0, 1, groupId.length, ...groupId];
  const e = new DataView(new ArrayBuffer(8));
  e.setBigUint64(0, BigInt(epoch));
  parts.push(...new Uint8Array(e.buffer), 1, (senderLeaf >>> 24) & 0xff, (senderLeaf >>> 16) & 0xff, (senderLeaf >>> 8) & 0xff, senderLeaf & 0xff, 0, 3, ...body);
  return new Uint8Array(parts);
}

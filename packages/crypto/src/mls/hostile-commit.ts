// What a hostile (or broken) member can post as a commit, for tests and the bench to act it out
// (docs/protocol.md §5.1: the delivery service cannot check a PrivateMessage commit's
// confirmation tag; members can, and report it, §5.3). Never used by a device on its own.
import type { GroupState, MlsSuite } from './mls-types.ts';
import { commitChanges } from './group-commit.ts';

/**
 * An otherwise valid commit (an update of the committer's own path, no proposals) whose
 * confirmation tag is wrong: every member that processes it rejects it. In a PrivateMessage
 * commit the confirmation tag is the suite's only MAC, so the MAC's output is flipped. Returns
 * the commit and the committer's state after it (a committer that believes its commit is fine).
 */
export async function commitWithWrongConfirmationTag(suite: MlsSuite, state: GroupState): Promise<{ commit: Uint8Array; state: GroupState }> {
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
  return { commit: out.commit, state: out.state };
}

/** A commit's outer header (PrivateMessage, content type commit, this group and epoch) over random bytes. */
export function junkCommit(groupId: Uint8Array, epoch: number, random: (n: number) => Uint8Array): Uint8Array {
  // MLSMessage: version mls10 (1), wire format private (2); PrivateMessage: group_id<V>, epoch u64, content_type (commit 3), authenticated_data<V>, encrypted_sender_data<V>, ciphertext<V>
  const sender = random(32);
  const ciphertext = random(200);
  const parts: number[] = [0, 1, 0, 2, groupId.length, ...groupId];
  const e = new DataView(new ArrayBuffer(8));
  e.setBigUint64(0, BigInt(epoch));
  parts.push(...new Uint8Array(e.buffer), 3, 0, sender.length, ...sender, 0x40 | (ciphertext.length >> 8), ciphertext.length & 0xff, ...ciphertext);
  return new Uint8Array(parts);
}

// A new device of a person taking the place of their old leaf by an external commit
// (external-replace.ts, docs/protocol.md §5.2): the validator and the members accept it; an
// external commit that removes another person's leaf is refused by both.
import { describe, expect, it } from 'vitest';
import { encodeMlsMessage, joinGroupExternal } from 'ts-mls';
import { bytesEqual } from '../bytes.ts';
import { groupInfoForExternalJoin } from './external-join.ts';
import { joinReplacingLeaf } from './external-replace.ts';
import { leaves } from './group-members.ts';
import { processIncoming } from './incoming-message.ts';
import { openStoredKeyPackage } from './key-package.ts';
import { validatePublicCommit } from './public-commit.ts';
import { decodeExactly } from './ts-mls-guards.ts';
import { testWorld } from '../../test/mls-support/devices.ts';

describe('a device taking the place of another device of its person', () => {
  it('replaces alice’s old leaf: the validator names what changed, bob and carol take it', async () => {
    const w = await testWorld();
    const [bob, carol, oldAlice, newAlice] = [w.device('bob'), w.device('carol'), w.device('alice'), w.device('alice')];
    const [b, c] = await w.group([bob, carol, oldAlice]);
    const gi = await groupInfoForExternalJoin(w.suite, b!);
    const oldLeaf = leaves(b!).find((l) => l.deviceId === oldAlice.keys.deviceId)!;
    const j = await joinReplacingLeaf(w.suite, w.config, gi, await newAlice.keyPackage(), oldLeaf.leafIndex);
    const v = await validatePublicCommit(w.suite, gi, j.commit, j.groupInfo, { external: true });
    expect(v.committer.deviceId).toBe(newAlice.keys.deviceId);
    expect(v.removed.map((l) => l.deviceId)).toEqual([oldAlice.keys.deviceId]);
    expect(v.members.map((l) => l.deviceId).sort()).toEqual([bob.keys.deviceId, carol.keys.deviceId, newAlice.keys.deviceId].sort());
    for (const s of [b!, c!]) {
      const got = await processIncoming(w.suite, s, j.commit);
      expect(got.state.groupContext.epoch).toBe(j.state.groupContext.epoch);
      expect(leaves(got.state).map((l) => l.deviceId)).not.toContain(oldAlice.keys.deviceId);
    }
    // Its own helper refuses to take the place of someone else's leaf, or of itself.
    const bobLeaf = leaves(b!).find((l) => l.deviceId === bob.keys.deviceId)!;
    await expect(joinReplacingLeaf(w.suite, w.config, gi, await newAlice.keyPackage(), bobLeaf.leafIndex)).rejects.toThrow(/its own user only/);
  });

  it('an external commit that removes another person’s leaf is refused by the validator and by every member', async () => {
    const w = await testWorld();
    const [bob, carol, oldAlice, newAlice] = [w.device('bob'), w.device('carol'), w.device('alice'), w.device('alice')];
    const [b, c] = await w.group([bob, carol, oldAlice]);
    const gi = await groupInfoForExternalJoin(w.suite, b!);
    const bobLeaf = leaves(b!).find((l) => l.deviceId === bob.keys.deviceId)!;
    // Built by hand, as a hostile client would: ts-mls removes whichever leaf its config matches.
    const { publicPackage, privatePackage } = openStoredKeyPackage(await newAlice.keyPackage());
    const hostile = {
      ...w.config,
      keyPackageEqualityConfig: { ...w.config.keyPackageEqualityConfig, compareKeyPackageToLeafNode: (_k: unknown, leaf: { signaturePublicKey: Uint8Array }) => bytesEqual(leaf.signaturePublicKey, bobLeaf.signatureKey) },
    };
    const r = await joinGroupExternal(decodeExactly(gi, 'mls_group_info').groupInfo, publicPackage, privatePackage, true, w.suite, undefined, hostile);
    const commit = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_public_message', publicMessage: r.publicMessage });
    const groupInfo = await groupInfoForExternalJoin(w.suite, { ...r.newState, clientConfig: w.config });
    await expect(validatePublicCommit(w.suite, gi, commit, groupInfo, { external: true })).rejects.toThrow(/joiner’s own user/);
    await expect(processIncoming(w.suite, c!, commit)).rejects.toThrow(/joiner’s own user/);
    // Carol's state is untouched: bob is still there.
    expect(leaves(c!).map((l) => l.deviceId)).toContain(bob.keys.deviceId);
  });
});

// The delivery service's commit validation (public-commit.ts) with real groups: what honest
// members commit is accepted and the facts are right; junk, forged, misattributed or
// mismatched commits and group infos are refused.
import { describe, expect, it } from 'vitest';
import { encodeMlsMessage, type MLSMessage } from 'ts-mls';
import { fromBase64Url } from '@candor/protocol';
import { commitChanges } from './group-commit.ts';
import { groupInfoForExternalJoin, joinByExternalCommit } from './external-join.ts';
import { junkCommit } from './hostile-commit.ts';
import { decodeKeyPackage } from './key-package.ts';
import { startGroup } from './group-create.ts';
import { processIncoming } from './incoming-message.ts';
import { validatePublicCommit } from './public-commit.ts';
import { checkGroupInfo, checkNewGroupInfo, treeLeaves } from './public-group.ts';
import { decodeExactly } from './ts-mls-guards.ts';
import { testWorld, type TestDevice, type TestWorld } from '../../test/mls-support/devices.ts';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const kpOf = async (d: TestDevice) => {
  const stored = await d.keyPackage();
  return { stored, kp: decodeKeyPackage(fromBase64Url(stored.publicPackage)!) };
};

async function started(w: TestWorld, d: TestDevice) {
  const groupId = random(16);
  const state = await startGroup(w.suite, w.config, groupId, (await kpOf(d)).stored);
  return { groupId, state, groupInfo: await groupInfoForExternalJoin(w.suite, state) };
}

function reencode(bytes: Uint8Array, edit: (m: MLSMessage) => void): Uint8Array {
  const m = decodeExactly(bytes.slice(), bytes[3] === 1 ? 'mls_public_message' : 'mls_group_info') as MLSMessage;
  edit(m);
  return encodeMlsMessage(m);
}

describe('new group info', () => {
  it('accepts a new group with its creator as its only leaf, and names the creator', async () => {
    const w = await testWorld();
    const alice = w.device('alice');
    const g = await started(w, alice);
    const { creator } = await checkNewGroupInfo(w.suite, g.groupInfo, g.groupId);
    expect(creator).toMatchObject({ leafIndex: 0, userId: 'alice', deviceId: alice.keys.deviceId });
  });

  it('refuses another group id, a later epoch, a second leaf and a broken signature', async () => {
    const w = await testWorld();
    const alice = w.device('alice');
    const g = await started(w, alice);
    await expect(checkNewGroupInfo(w.suite, g.groupInfo, random(16))).rejects.toThrow(/another group/);
    const out = await commitChanges(w.suite, g.state, [(await kpOf(w.device('bob'))).kp], []);
    await expect(checkNewGroupInfo(w.suite, out.groupInfo, g.groupId)).rejects.toThrow(/epoch 0/);
    const tampered = reencode(g.groupInfo, (m) => {
      if (m.wireformat === 'mls_group_info') m.groupInfo.signature[3]! ^= 1;
    });
    await expect(checkGroupInfo(w.suite, tampered)).rejects.toThrow(/signature does not verify/);
    await expect(checkNewGroupInfo(w.suite, new Uint8Array([0, 1, 0, 4, 9]), g.groupId)).rejects.toThrow(/does not decode/);
  });
});

describe('member commits', () => {
  it('accepts add, update and remove commits and reports what changed', async () => {
    const w = await testWorld();
    const [alice, bob, carol] = [w.device('alice'), w.device('bob'), w.device('carol')];
    const g = await started(w, alice);
    const add = await commitChanges(w.suite, g.state, [(await kpOf(bob)).kp, (await kpOf(carol)).kp], []);
    const v1 = await validatePublicCommit(w.suite, g.groupInfo, add.commit, add.groupInfo, { external: false });
    expect(v1.epoch).toBe(0);
    expect(v1.committer).toMatchObject({ leafIndex: 0, deviceId: alice.keys.deviceId });
    expect(v1.added.map((l) => [l.leafIndex, l.deviceId])).toEqual([
      [1, bob.keys.deviceId],
      [2, carol.keys.deviceId],
    ]);
    expect(v1.removed).toEqual([]);
    expect(treeLeaves(v1.group.tree).map((l) => l.deviceId)).toEqual([alice.keys.deviceId, bob.keys.deviceId, carol.keys.deviceId]);

    const update = await commitChanges(w.suite, add.state, [], []);
    const v2 = await validatePublicCommit(w.suite, add.groupInfo, update.commit, update.groupInfo, { external: false });
    expect(v2.epoch).toBe(1);
    expect(v2.added).toEqual([]);

    const remove = await commitChanges(w.suite, update.state, [], [1]);
    const v3 = await validatePublicCommit(w.suite, update.groupInfo, remove.commit, remove.groupInfo, { external: false });
    expect(v3.removed.map((l) => l.deviceId)).toEqual([bob.keys.deviceId]);
    expect(v3.members.map((l) => l.deviceId)).toEqual([alice.keys.deviceId, carol.keys.deviceId]);
  });

  it('members process the PublicMessage commit the server accepted', async () => {
    const w = await testWorld();
    const [a, b] = await w.group([w.device('alice'), w.device('bob')]);
    const out = await commitChanges(w.suite, a!, [(await kpOf(w.device('carol'))).kp], []);
    expect(out.commit[3]).toBe(1); // wire format mls_public_message
    const got = await processIncoming(w.suite, b!, out.commit);
    expect(got.kind).toBe('handshake');
    expect(got.state.groupContext.epoch).toBe(2n);
    expect(await processIncoming(w.suite, got.state, out.commit)).toMatchObject({ kind: 'stale' });
  });

  it('refuses a junk commit with a valid header, a forged signature and a sender that is not a member', async () => {
    const w = await testWorld();
    const g = await started(w, w.device('alice'));
    const add = await commitChanges(w.suite, g.state, [(await kpOf(w.device('bob'))).kp], []);
    const gi = add.groupInfo;
    await expect(validatePublicCommit(w.suite, g.groupInfo, junkCommit(g.groupId, 0, random), gi, { external: false })).rejects.toMatchObject({ code: 'invalid_mls_message' });
    const forged = reencode(add.commit, (m) => {
      if (m.wireformat === 'mls_public_message') m.publicMessage.auth.signature[5]! ^= 1;
    });
    await expect(validatePublicCommit(w.suite, g.groupInfo, forged, gi, { external: false })).rejects.toThrow(/signature does not verify/);
    const stranger = reencode(add.commit, (m) => {
      if (m.wireformat === 'mls_public_message' && m.publicMessage.content.sender.senderType === 'member') m.publicMessage.content.sender.leafIndex = 7;
    });
    await expect(validatePublicCommit(w.suite, g.groupInfo, stranger, gi, { external: false })).rejects.toMatchObject({ code: 'not_member' });
    // A device of another group signs a commit claiming leaf 0 of this one.
    const other = await started(w, w.device('mallory'));
    const foreign = await commitChanges(w.suite, { ...other.state, groupContext: { ...other.state.groupContext, groupId: g.groupId } }, [], []);
    await expect(validatePublicCommit(w.suite, g.groupInfo, foreign.commit, foreign.groupInfo, { external: false })).rejects.toMatchObject({ code: 'invalid_mls_message' });
  });

  it('refuses a group info that is tampered with, not the committer’s or not the commit’s', async () => {
    const w = await testWorld();
    const [a, b] = await w.group([w.device('alice'), w.device('bob')]);
    const before = await groupInfoForExternalJoin(w.suite, a!);
    const out = await commitChanges(w.suite, a!, [], []);
    const tampered = reencode(out.groupInfo, (m) => {
      if (m.wireformat === 'mls_group_info') m.groupInfo.groupContext.treeHash[0]! ^= 1;
    });
    await expect(validatePublicCommit(w.suite, before, out.commit, tampered, { external: false })).rejects.toThrow(/group context/);
    const badSig = reencode(out.groupInfo, (m) => {
      if (m.wireformat === 'mls_group_info') m.groupInfo.signature[0]! ^= 1;
    });
    await expect(validatePublicCommit(w.suite, before, out.commit, badSig, { external: false })).rejects.toThrow(/signature/);
    // Another commit's group info (bob's own commit at the same epoch).
    const bobs = await commitChanges(w.suite, b!, [], []);
    await expect(validatePublicCommit(w.suite, before, out.commit, bobs.groupInfo, { external: false })).rejects.toThrow(/group info/);
    // The previous epoch's group info.
    await expect(validatePublicCommit(w.suite, before, out.commit, before, { external: false })).rejects.toThrow(/group context/);
    // And the honest pair is accepted.
    await expect(validatePublicCommit(w.suite, before, out.commit, out.groupInfo, { external: false })).resolves.toMatchObject({ epoch: 1 });
  });

  it('answers stale_epoch with the group’s epoch for a commit of an earlier epoch', async () => {
    const w = await testWorld();
    const [a] = await w.group([w.device('alice'), w.device('bob')]);
    const first = await commitChanges(w.suite, a!, [], []);
    const late = await commitChanges(w.suite, a!, [], []);
    await expect(validatePublicCommit(w.suite, first.groupInfo, late.commit, late.groupInfo, { external: false })).rejects.toMatchObject({
      code: 'stale_epoch',
      details: { epoch: 2 },
    });
  });
});

describe('external commits', () => {
  it('accepts a resync that replaces the joiner’s own leaf; refuses one by another route or of another device', async () => {
    const w = await testWorld();
    const [alice, bob] = [w.device('alice'), w.device('bob')];
    const [a] = await w.group([alice, bob]);
    const gi = await groupInfoForExternalJoin(w.suite, a!);
    const j = await joinByExternalCommit(w.suite, w.config, gi, await bob.keyPackage(), { resync: true });
    const v = await validatePublicCommit(w.suite, gi, j.commit, j.groupInfo, { external: true });
    expect(v.external).toBe(true);
    expect(v.committer.deviceId).toBe(bob.keys.deviceId);
    expect(v.removed.map((l) => l.deviceId)).toEqual([bob.keys.deviceId]);
    expect(v.members.map((l) => l.deviceId).sort()).toEqual([alice.keys.deviceId, bob.keys.deviceId].sort());
    await expect(validatePublicCommit(w.suite, gi, j.commit, j.groupInfo, { external: false })).rejects.toThrow(/external-commits route/);
    // Alice processes it and stays in step.
    const got = await processIncoming(w.suite, a!, j.commit);
    expect(got.state.groupContext.epoch).toBe(2n);

    // A newcomer joining outright (no resync) is validated too; whether it may join is the server's call.
    const carol = w.device('carol');
    const jc = await joinByExternalCommit(w.suite, w.config, gi, await carol.keyPackage(), { resync: false });
    const vc = await validatePublicCommit(w.suite, gi, jc.commit, jc.groupInfo, { external: true });
    expect(vc.removed).toEqual([]);
    expect(vc.committer.deviceId).toBe(carol.keys.deviceId);

    // An external commit whose joiner is already a member without removing its old leaf is refused.
    const twice = await joinByExternalCommit(w.suite, w.config, gi, await bob.keyPackage(), { resync: false });
    await expect(validatePublicCommit(w.suite, gi, twice.commit, twice.groupInfo, { external: true })).rejects.toThrow(/member already|not unique/);
  });
});

// The delivery service's validator (public-group.ts, public-commit.ts, key-package-check.ts) for
// groups in the post-quantum suite, with the suite set the server builds (getSuites): it picks
// each group's own suite, accepts honest PQ commits and external joins, and refuses objects of a
// suite it was not given or of a suite mixed into a group of the other.
import { describe, expect, it } from 'vitest';
import { fromBase64Url } from '@candor/protocol';
import { CLASSIC_SUITE, PQ_SUITE } from '../ciphersuite.ts';
import { nodeCryptoProvider } from '../node/index.ts';
import { commitChanges } from './group-commit.ts';
import { groupInfoForExternalJoin, joinByExternalCommit } from './external-join.ts';
import { startGroup } from './group-create.ts';
import { processIncoming } from './incoming-message.ts';
import { checkKeyPackage } from './key-package-check.ts';
import { decodeKeyPackage } from './key-package.ts';
import { validatePublicCommit } from './public-commit.ts';
import { checkNewGroupInfo, treeLeaves } from './public-group.ts';
import { getSuites } from './suite-choice.ts';
import { testWorld, type TestDevice } from '../../test/mls-support/devices.ts';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const kpOf = async (d: TestDevice) => decodeKeyPackage(fromBase64Url((await d.keyPackage()).publicPackage)!);

describe('server-side validation of post-quantum groups', () => {
  it('accepts a PQ group, its add/update/remove commits and an external rejoin, each checked in the group’s own suite', async () => {
    const server = await getSuites(nodeCryptoProvider());
    const w = await testWorld(PQ_SUITE);
    expect(w.suite.name).toBe(PQ_SUITE);
    const [alice, bob, carol] = [w.device('alice'), w.device('bob'), w.device('carol')];
    const groupId = random(16);
    const state = await startGroup(w.suite, w.config, groupId, await alice.keyPackage());
    expect(state.groupContext.cipherSuite).toBe(PQ_SUITE);
    const gi0 = await groupInfoForExternalJoin(w.suite, state);
    const { group, creator } = await checkNewGroupInfo(server, gi0, groupId);
    expect(group.groupContext.cipherSuite).toBe(PQ_SUITE);
    expect(creator.deviceId).toBe(alice.keys.deviceId);

    const bobKp = await bob.keyPackage();
    const add = await commitChanges(w.suite, state, [decodeKeyPackage(fromBase64Url(bobKp.publicPackage)!), await kpOf(carol)], []);
    const v1 = await validatePublicCommit(server, gi0, add.commit, add.groupInfo, { external: false });
    expect(v1.added.map((l) => l.deviceId)).toEqual([bob.keys.deviceId, carol.keys.deviceId]);
    expect(v1.group.groupContext.cipherSuite).toBe(PQ_SUITE);

    const update = await commitChanges(w.suite, add.state, [], []);
    const v2 = await validatePublicCommit(server, v1.group, update.commit, update.groupInfo, { external: false });
    expect(v2.epoch).toBe(1);

    const remove = await commitChanges(w.suite, update.state, [], [2]);
    const v3 = await validatePublicCommit(server, v2.group, remove.commit, remove.groupInfo, { external: false });
    expect(v3.removed.map((l) => l.deviceId)).toEqual([carol.keys.deviceId]);
    expect(treeLeaves(v3.group.tree).map((l) => l.deviceId)).toEqual([alice.keys.deviceId, bob.keys.deviceId]);

    // Bob (joined from the Welcome) rejoins by external commit; the server validates it too.
    const j = await joinByExternalCommit(w.suite, w.config, remove.groupInfo, await bob.keyPackage(), { resync: true });
    const v4 = await validatePublicCommit(server, v3.group, j.commit, j.groupInfo, { external: true });
    expect(v4.removed.map((l) => l.deviceId)).toEqual([bob.keys.deviceId]);
    expect((await processIncoming(w.suite, remove.state, j.commit)).state.groupContext.epoch).toBe(4n);
  });

  it('refuses a PQ group where only the classic suite is allowed, and a classic key package in a PQ commit', async () => {
    const server = await getSuites(nodeCryptoProvider());
    const pq = await testWorld(PQ_SUITE);
    const alice = pq.device('alice');
    const groupId = random(16);
    const state = await startGroup(pq.suite, pq.config, groupId, await alice.keyPackage());
    const gi0 = await groupInfoForExternalJoin(pq.suite, state);
    await expect(checkNewGroupInfo(server[CLASSIC_SUITE], gi0, groupId)).rejects.toThrow(/cipher suite must be/);

    // A member cannot add a key package of the other suite: the client refuses to build it.
    const classic = await testWorld(CLASSIC_SUITE);
    const dave = classic.device('dave');
    pq.directory.set(`dave/${dave.keys.deviceId}`, dave.keys.publicKey);
    await expect(commitChanges(pq.suite, state, [await kpOf(dave)], [])).rejects.toThrow();
  });

  it('checks uploaded key packages of both suites and says which suite each is in', async () => {
    const server = await getSuites(nodeCryptoProvider());
    for (const name of [PQ_SUITE, CLASSIC_SUITE] as const) {
      const w = await testWorld(name);
      const d = w.device('erin');
      const kp = await d.keyPackage();
      const bytes = fromBase64Url(kp.publicPackage)!;
      const owner = { userId: 'erin', deviceId: d.keys.deviceId, publicKey: d.keys.publicKey };
      expect(await checkKeyPackage(server, bytes, owner)).toBe(name);
      // One suite given: the other suite's package is refused.
      const other = name === PQ_SUITE ? CLASSIC_SUITE : PQ_SUITE;
      await expect(checkKeyPackage(server[other], bytes, owner)).rejects.toThrow(/cipher suite must be/);
    }
  });
});

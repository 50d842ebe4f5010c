// The server as the group's external sender (external-sender.ts, docs/protocol.md §5.7), with
// real groups: a member commits the server's removal by reference, the delivery service's
// validator accepts that commit only when the reference is a removal the server proposed, and
// members accept a server sender only with the pinned key's endorsement.
import { describe, expect, it } from 'vitest';
import { proposeExternal, encodeMlsMessage } from 'ts-mls';
import { fromBase64Url } from '@candor/protocol';
import { DirectoryAuthenticationService, clientConfigWith } from '../directory-authentication.ts';
import { generateDeviceKey, signDetached } from '../device-key.ts';
import { epochOf, leaves } from './group-members.ts';
import { commitChanges } from './group-commit.ts';
import { startGroup } from './group-create.ts';
import { groupInfoForExternalJoin } from './external-join.ts';
import { externalSenderStatement, proposeServerRemoval, serverRemovalOf, withServerSender, type ServerSender } from './external-sender.ts';
import { processIncoming } from './incoming-message.ts';
import { decodeKeyPackage } from './key-package.ts';
import { validatePublicCommit } from './public-commit.ts';
import { checkNewGroupInfo, loadPublicGroup } from './public-group.ts';
import { joinFromWelcome } from './welcome-join.ts';
import { testWorld, type TestDevice } from '../../test/mls-support/devices.ts';

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

function serverKeys() {
  const accessLog = generateDeviceKey();
  const sender = generateDeviceKey();
  const endorsed: ServerSender = { publicKey: sender.publicKey, endorsement: signDetached(accessLog.secretKey, externalSenderStatement(sender.publicKey)) };
  return { accessLog, sender, endorsed };
}

async function world(pinned: Uint8Array) {
  const w = await testWorld();
  const auth = withServerSender(new DirectoryAuthenticationService(async (u, d) => w.directory.get(`${u}/${d}`) ?? null), async () => pinned);
  return { ...w, config: clientConfigWith(auth) };
}

async function threeInAGroup(serverSender: ServerSender, pinned: Uint8Array) {
  const w = await world(pinned);
  const [alice, bob, carol] = [w.device('alice'), w.device('bob'), w.device('carol')];
  const groupId = random(16);
  const a0 = await startGroup(w.suite, w.config, groupId, await alice.keyPackage(), serverSender);
  const created = await groupInfoForExternalJoin(w.suite, a0);
  const kps = await Promise.all([bob, carol].map((d: TestDevice) => d.keyPackage()));
  const add = await commitChanges(w.suite, a0, kps.map((k) => decodeKeyPackage(fromBase64Url(k.publicPackage)!)), []);
  const [b, c] = await Promise.all(kps.map(async (kp) => (await joinFromWelcome(w.suite, w.config, add.welcome!, async (r) => (r === kp.ref ? kp : undefined))).state));
  return { w, groupId, created, alice: add.state, bob: b!, carol: c!, groupInfo: add.groupInfo };
}

describe('the server as external sender', () => {
  it('a member commits the server removal by reference; the validator accepts it only with the server proposals', async () => {
    const k = serverKeys();
    const g = await threeInAGroup(k.endorsed, k.accessLog.publicKey);
    // The new group's GroupInfo names this server's sender: accepted; another sender is not.
    await checkNewGroupInfo(g.w.suite, g.created, g.groupId, k.endorsed);
    await expect(checkNewGroupInfo(g.w.suite, g.created, g.groupId, serverKeys().endorsed)).rejects.toThrow(/external_senders/);
    await expect(checkNewGroupInfo(g.w.suite, g.created, g.groupId)).rejects.toThrow(/external_senders/);

    const publicGroup = loadPublicGroup(g.groupInfo);
    const carolLeaf = leaves(g.alice).find((l) => l.userId === 'carol')!.leafIndex;
    const p = await proposeServerRemoval(g.w.suite, publicGroup.groupInfo, carolLeaf, k.sender.publicKey, k.sender.secretKey);
    // Deterministic: the server recognises its proposal without remembering it.
    const again = await proposeServerRemoval(g.w.suite, publicGroup.groupInfo, carolLeaf, k.sender.publicKey, k.sender.secretKey);
    expect(again.ref).toEqual(p.ref);
    expect(serverRemovalOf(p.message).removedLeaf).toBe(carolLeaf);

    const a1 = (await processIncoming(g.w.suite, g.alice, p.message)).state;
    const b1 = (await processIncoming(g.w.suite, g.bob, p.message)).state;
    const commit = await commitChanges(g.w.suite, a1, [], []);
    const { bytesToBase64 } = await import('ts-mls/util/byteArray.js');
    const proposals = async () => new Map([[bytesToBase64(p.ref), { proposalType: 'remove' as const, remove: { removed: carolLeaf } }]]);
    // Without the server's proposals the reference resolves to nothing.
    await expect(validatePublicCommit(g.w.suite, g.groupInfo, commit.commit, commit.groupInfo, { external: false })).rejects.toThrow(/by reference/);
    // With another removal under that reference (what a hostile committer would need), refused too.
    const other = async () => new Map([[bytesToBase64(random(32)), { proposalType: 'remove' as const, remove: { removed: carolLeaf } }]]);
    await expect(validatePublicCommit(g.w.suite, g.groupInfo, commit.commit, commit.groupInfo, { external: false, serverProposals: other })).rejects.toThrow(/by reference/);
    const v = await validatePublicCommit(g.w.suite, g.groupInfo, commit.commit, commit.groupInfo, { external: false, serverProposals: proposals });
    expect(v.removed.map((l) => l.userId)).toEqual(['carol']);
    expect(v.members.map((l) => l.userId).sort()).toEqual(['alice', 'bob']);
    // Bob follows the commit; Carol learns she was removed.
    const b2 = await processIncoming(g.w.suite, b1, commit.commit);
    expect(epochOf(b2.state)).toBe(2);
    expect(leaves(b2.state).map((l) => l.userId).sort()).toEqual(['alice', 'bob']);
  });

  it('members refuse a server sender the pinned key does not vouch for', async () => {
    const k = serverKeys();
    const unvouched: ServerSender = { publicKey: k.sender.publicKey, endorsement: signDetached(generateDeviceKey().secretKey, externalSenderStatement(k.sender.publicKey)) };
    const w = await world(k.accessLog.publicKey);
    await expect(startGroup(w.suite, w.config, random(16), await w.device('alice').keyPackage(), unvouched)).rejects.toThrow(/external credential/);
  });

  it('a proposal that is not a removal, or signed by another key, is refused', async () => {
    const k = serverKeys();
    const g = await threeInAGroup(k.endorsed, k.accessLog.publicKey);
    const gi = loadPublicGroup(g.groupInfo).groupInfo;
    const dave = g.w.device('dave');
    const add = await proposeExternal(gi, { proposalType: 'add', add: { keyPackage: decodeKeyPackage(fromBase64Url((await dave.keyPackage()).publicPackage)!) } }, k.sender.publicKey, k.sender.secretKey, g.w.suite);
    expect(() => serverRemovalOf(encodeMlsMessage(add))).toThrow(/only propose removals/);
    // Signed by a key that is not the group's external sender: members' MLS refuses it.
    const forged = await proposeServerRemoval(g.w.suite, gi, 2, k.sender.publicKey, generateDeviceKey().secretKey);
    await expect(processIncoming(g.w.suite, g.alice, forged.message)).rejects.toThrow();
  });
});

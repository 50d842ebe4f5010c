// A group's life through @candor/crypto's MLS functions: key packages, create, add by commit,
// join from the Welcome, messages with their sender, removal, and a state saved and restored.
import { describe, expect, it } from 'vitest';
import { fromBase64Url } from '@candor/protocol';
import { encryptApplication } from './application-message.ts';
import { commitChanges } from './group-commit.ts';
import { epochOf, isRemoved, leaves, ownLeafIndex } from './group-members.ts';
import { loadState, saveState } from './group-state-codec.ts';
import { processIncoming } from './incoming-message.ts';
import { decodeKeyPackage, encodeKeyPackage } from './key-package.ts';
import { testWorld } from '../../test/mls-support/devices.ts';

const text = (s: string) => new TextEncoder().encode(s);

describe('MLS group operations', () => {
  it('key packages round-trip and name their device', async () => {
    const w = await testWorld();
    const alice = w.device('alice');
    const stored = await alice.keyPackage();
    const bytes = fromBase64Url(stored.publicPackage)!;
    const kp = decodeKeyPackage(bytes);
    expect(encodeKeyPackage(kp)).toEqual(bytes);
    expect(kp.leafNode.signaturePublicKey).toEqual(alice.keys.publicKey);
    expect(stored.lastResort).toBe(false);
  });

  it('create, add, join, message with its sender, remove, save and restore', async () => {
    const w = await testWorld();
    const [alice, bob, carol] = [w.device('alice'), w.device('bob'), w.device('carol')];
    let [a, b, c] = await w.group([alice, bob, carol]);
    expect(epochOf(a!)).toBe(1);
    expect(epochOf(b!)).toBe(1);
    expect(leaves(b!).map((l) => [l.leafIndex, l.userId, l.deviceId])).toEqual([
      [0, 'alice', alice.keys.deviceId],
      [1, 'bob', bob.keys.deviceId],
      [2, 'carol', carol.keys.deviceId],
    ]);
    expect([ownLeafIndex(a!), ownLeafIndex(b!), ownLeafIndex(c!)]).toEqual([0, 1, 2]);

    const sent = await encryptApplication(w.suite, a!, text('hello'));
    a = sent.state;
    const got = await processIncoming(w.suite, b!, sent.message);
    if (got.kind !== 'application') throw new Error(`expected an application message, got ${got.kind}`);
    b = got.state;
    expect(new TextDecoder().decode(got.plaintext)).toBe('hello');
    expect(got.sender).toMatchObject({ leafIndex: 0, userId: 'alice', deviceId: alice.keys.deviceId });
    expect(got.sender.signatureKey).toEqual(alice.keys.publicKey);

    const removal = await commitChanges(w.suite, a!, [], [2]);
    expect(removal.welcome).toBeUndefined();
    a = removal.state;
    const atBob = await processIncoming(w.suite, b!, removal.commit);
    expect(atBob.kind).toBe('handshake');
    b = atBob.state;
    expect(epochOf(b)).toBe(2);
    expect(leaves(b).map((l) => l.userId)).toEqual(['alice', 'bob']);
    const atCarol = await processIncoming(w.suite, c!, removal.commit);
    expect(isRemoved(atCarol.state)).toBe(true);
    expect(isRemoved(b)).toBe(false);

    // Bob's device restarts from its store.
    const restored = loadState(saveState(b), w.config);
    expect(restored.clientConfig).toBe(w.config);
    const reply = await encryptApplication(w.suite, restored, text('back again'));
    const atAlice = await processIncoming(w.suite, a, reply.message);
    if (atAlice.kind !== 'application') throw new Error('expected an application message');
    expect(new TextDecoder().decode(atAlice.plaintext)).toBe('back again');
    expect(atAlice.sender.userId).toBe('bob');
  });

  it('a message for an epoch this device has not reached says which epoch it is for', async () => {
    const w = await testWorld();
    let [a, b] = await w.group([w.device('alice'), w.device('bob')]);
    a = (await commitChanges(w.suite, a!, [], [])).state;
    const ahead = await encryptApplication(w.suite, a, text('from epoch 2'));
    await expect(processIncoming(w.suite, b!, ahead.message)).rejects.toMatchObject({ code: 'invalid_mls_message', details: { epoch: 2 } });
  });

  it('a message of another group is refused as such', async () => {
    const w = await testWorld();
    const [a] = await w.group([w.device('alice'), w.device('bob')]);
    const [, other] = await w.group([w.device('carol'), w.device('bob')]);
    const m = await encryptApplication(w.suite, a!, text('x'));
    await expect(processIncoming(w.suite, other!, m.message)).rejects.toMatchObject({ code: 'invalid_mls_message', message: expect.stringContaining('another group') });
  });
});

// One test per guard in ts-mls-guards.ts, each through the public function that relies on it,
// each failing without the guard; each has a control showing the same input minus the fault
// goes through. Inputs that hang ts-mls or abort V8 run in a child process (run-isolated.ts).
import { describe, expect, it } from 'vitest';
import { CandorError, fromBase64Url, toBase64Url } from '@candor/protocol';
import { encryptApplication } from './application-message.ts';
import { groupInfoForExternalJoin, joinByExternalCommit } from './external-join.ts';
import { commitChanges } from './group-commit.ts';
import { epochOf, leaves } from './group-members.ts';
import { loadState, saveState } from './group-state-codec.ts';
import { processIncoming } from './incoming-message.ts';
import { decodeKeyPackage } from './key-package.ts';
import { decodeExactly } from './ts-mls-guards.ts';
import { joinFromWelcome } from './welcome-join.ts';
import { craftedWelcome, treeWithUnmergedLeaf } from '../../test/mls-support/crafted-welcome.ts';
import { testWorld } from '../../test/mls-support/devices.ts';
import { runScenario, type IsolatedRun } from '../../test/mls-support/run-isolated.ts';

const text = (s: string) => new TextEncoder().encode(s);
const withTrailingByte = (b: Uint8Array) => new Uint8Array([...b, 0]);
const invalid = (code: string, why: string) => expect.objectContaining({ code, message: expect.stringContaining(why) });

/** The scenario printed that it was refused with `code`; otherwise says what happened instead. */
function expectRefused(run: IsolatedRun, code: string): void {
  const what = run.timedOut
    ? 'still running when killed (hung)'
    : run.result === undefined
      ? `died (exit ${run.exitCode}, signal ${run.signal}): ${run.stderrTail}`
      : JSON.stringify(run.result);
  expect(run.result?.outcome === 'refused' && run.result.code === code ? 'refused' : what).toBe('refused');
}

describe('ts-mls pitfalls we guard', () => {
  it('decoding: trailing bytes, garbage and truncation are one CandorError, never a partial read', async () => {
    const w = await testWorld();
    const alice = w.device('alice');
    const kp = await alice.keyPackage();
    const kpBytes = fromBase64Url(kp.publicPackage)!;
    expect(decodeKeyPackage(kpBytes).leafNode.signaturePublicKey).toEqual(alice.keys.publicKey);
    expect(() => decodeKeyPackage(withTrailingByte(kpBytes))).toThrow(invalid('invalid_key_package', '1 bytes follow the message'));
    // ts-mls returns undefined for some garbage and throws its CodecError for other.
    expect(() => decodeKeyPackage(new Uint8Array([0, 1, 0, 5, 1, 2, 3]))).toThrow(invalid('invalid_key_package', 'does not decode'));
    expect(() => decodeKeyPackage(kpBytes.subarray(0, 50))).toThrow(invalid('invalid_key_package', 'does not decode'));
    expect(() => decodeExactly(kpBytes, 'mls_welcome')).toThrow(invalid('invalid_mls_message', 'expected an MLS Welcome, got an MLS KeyPackage'));

    const [a, b] = await w.group([alice, w.device('bob')]);
    const m = await encryptApplication(w.suite, a!, text('hi'));
    await expect(processIncoming(w.suite, b!, withTrailingByte(m.message))).rejects.toEqual(invalid('invalid_mls_message', 'follow the message'));
    await expect(processIncoming(w.suite, b!, m.message)).resolves.toMatchObject({ kind: 'application' });

    const carol = w.device('carol');
    const ckp = await carol.keyPackage();
    const add = await commitChanges(w.suite, a!, [decodeKeyPackage(fromBase64Url(ckp.publicPackage)!)], []);
    const find = async (ref: string) => (ref === ckp.ref ? ckp : undefined);
    await expect(joinFromWelcome(w.suite, w.config, withTrailingByte(add.welcome!), find)).rejects.toEqual(invalid('invalid_mls_message', 'follow the message'));
    await expect(joinFromWelcome(w.suite, w.config, add.welcome!, find)).resolves.toMatchObject({ used: ckp });
  });

  it('a restored state runs with the config it is loaded with, and must be exactly one state', async () => {
    const w = await testWorld();
    const [a, b] = await w.group([w.device('alice'), w.device('bob')]);
    const saved = saveState(a!);
    const restored = loadState(saved, w.config);
    // ts-mls's decodeGroupState gives no clientConfig: the first message would fail on it.
    expect(restored.clientConfig).toBe(w.config);
    const m = await encryptApplication(w.suite, restored, text('after a restart'));
    await expect(processIncoming(w.suite, b!, m.message)).resolves.toMatchObject({ kind: 'application' });
    expect(() => loadState(toBase64Url(withTrailingByte(fromBase64Url(saved)!)), w.config)).toThrow(invalid('internal', 'does not decode'));
    expect(() => loadState(saved.slice(0, 200), w.config)).toThrow(invalid('internal', 'does not decode'));
  });

  it('a Welcome whose tree lists an unmerged leaf beyond the tree is refused before ts-mls walks it (unguarded, V8 aborts)', async () => {
    expectRefused(await runScenario('welcome-unmerged-leaf-beyond-tree', 60_000), 'invalid_mls_message');
    // Control: the same crafted Welcome with the leaf in range reaches ts-mls's own tree checks.
    const w = await testWorld();
    const victim = await w.device('victim').keyPackage();
    const welcome = await craftedWelcome(w.suite, w.device('mallory'), victim, treeWithUnmergedLeaf(0));
    const outcome = await joinFromWelcome(w.suite, w.config, welcome, async (ref) => (ref === victim.ref ? victim : undefined)).then(
      () => 'joined',
      (e: unknown) => (e instanceof CandorError ? `CandorError ${e.message}` : 'refused by ts-mls'),
    );
    expect(outcome).toBe('refused by ts-mls');
  }, 90_000);

  it('a Welcome whose tree is wider than maxLeaves is refused before ts-mls checks its parent hashes', async () => {
    const w = await testWorld();
    const [a] = await w.group([w.device('alice')]);
    const joiners = await Promise.all(['b', 'c', 'd', 'e'].map((u) => w.device(u).keyPackage()));
    const add = await commitChanges(w.suite, a!, joiners.map((k) => decodeKeyPackage(fromBase64Url(k.publicPackage)!)), []);
    const last = joiners[3]!;
    const find = async (ref: string) => (ref === last.ref ? last : undefined);
    await expect(joinFromWelcome(w.suite, w.config, add.welcome!, find, { maxLeaves: 4 })).rejects.toEqual(
      invalid('invalid_mls_message', 'spans more than 4 leaves'),
    );
    const joined = await joinFromWelcome(w.suite, w.config, add.welcome!, find, { maxLeaves: 5 });
    expect(leaves(joined.state)).toHaveLength(5);
  });

  it('an external commit with resync needs a leaf of this device (unguarded, ts-mls spins forever)', async () => {
    expectRefused(await runScenario('resync-without-own-leaf', 60_000), 'invalid_mls_message');
    // Control: a member that resyncs replaces its own leaf; a newcomer joins without resync.
    const w = await testWorld();
    const bob = w.device('bob');
    const [a] = await w.group([w.device('alice'), bob]);
    const groupInfo = await groupInfoForExternalJoin(w.suite, a!);
    const resynced = await joinByExternalCommit(w.suite, w.config, groupInfo, await bob.keyPackage(), { resync: true });
    expect(epochOf(resynced.state)).toBe(epochOf(a!) + 1);
    expect(leaves(resynced.state).map((l) => l.userId)).toEqual(['alice', 'bob']);
    expect(decodeExactly(resynced.commit, 'mls_public_message').publicMessage.content.sender.senderType).toBe('new_member_commit');
    const carol = await joinByExternalCommit(w.suite, w.config, groupInfo, await w.device('carol').keyPackage(), { resync: false });
    expect(leaves(carol.state).map((l) => l.userId)).toEqual(['alice', 'bob', 'carol']);
  }, 90_000);

  it('a commit of an epoch already left (redelivered, or echoed to its sender) is stale, not an error', async () => {
    const w = await testWorld();
    const [a, b] = await w.group([w.device('alice'), w.device('bob')]);
    const commit = await commitChanges(w.suite, a!, [], []);
    const applied = await processIncoming(w.suite, b!, commit.commit);
    expect(applied.kind).toBe('handshake');
    expect(epochOf(applied.state)).toBe(2);
    const again = await processIncoming(w.suite, applied.state, commit.commit);
    expect(again).toEqual({ kind: 'stale', state: applied.state });
    expect(again.state).toBe(applied.state);
    const echoed = await processIncoming(w.suite, commit.state, commit.commit);
    expect(echoed.kind).toBe('stale');
  });

  it('a message from an earlier epoch is refused when its sender has since been removed, accepted from a member', async () => {
    const w = await testWorld();
    const [a, b, c] = await w.group([w.device('alice'), w.device('bob'), w.device('carol')]);
    // Alice removes Bob; Bob and Carol, still at epoch 1, write before they see the commit.
    const removal = await commitChanges(w.suite, a!, [], [1]);
    const fromBob = await encryptApplication(w.suite, b!, text('still here?'));
    const fromCarol = await encryptApplication(w.suite, c!, text('sent before the commit reached me'));
    await expect(processIncoming(w.suite, removal.state, fromBob.message)).rejects.toEqual(invalid('invalid_mls_message', 'no longer in the group'));
    const got = await processIncoming(w.suite, removal.state, fromCarol.message);
    if (got.kind !== 'application') throw new Error(`expected an application message, got ${got.kind}`);
    expect(got.sender.userId).toBe('carol');
    expect(new TextDecoder().decode(got.plaintext)).toBe('sent before the commit reached me');
  });
});

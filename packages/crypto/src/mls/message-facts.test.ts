// The facts a device reads from a message it could not process: its epoch, and whether the
// directory (the authentication service) rejected a credential in it or could not be asked.
import { describe, expect, it } from 'vitest';
import { CandorError, fromBase64Url } from '@candor/protocol';
import { encryptApplication } from './application-message.ts';
import { commitChanges } from './group-commit.ts';
import { processIncoming } from './incoming-message.ts';
import { decodeKeyPackage } from './key-package.ts';
import { isCredentialRejection, isMlsRejection, messageEpoch } from './message-facts.ts';
import { testWorld } from '../../test/mls-support/devices.ts';

describe('message facts', () => {
  it('reads the epoch of application messages and commits, and nothing from other bytes', async () => {
    const w = await testWorld();
    const [a] = await w.group([w.device('alice'), w.device('bob')]);
    const m = await encryptApplication(w.suite, a!, new Uint8Array([1]));
    expect(messageEpoch(m.message)).toBe(1);
    const c = await commitChanges(w.suite, m.state, [], []);
    expect(messageEpoch(c.commit)).toBe(1);
    expect(messageEpoch(new Uint8Array([0, 1, 0, 2]))).toBeNull();
    expect(messageEpoch(new Uint8Array([...m.message, 0]))).toBeNull();
  });

  it('tells a credential the directory rejected from a directory that could not be asked', async () => {
    const w = await testWorld();
    const [alice, bob, carol] = [w.device('alice'), w.device('bob'), w.device('carol')];
    const [a, b] = await w.group([alice, bob]);
    const kp = await carol.keyPackage();
    const add = await commitChanges(w.suite, a!, [decodeKeyPackage(fromBase64Url(kp.publicPackage)!)], []);

    // The directory answers with another key for carol's device: a verdict.
    w.directory.set(`carol/${carol.keys.deviceId}`, bob.keys.publicKey);
    const rejected = await processIncoming(w.suite, b!, add.commit).catch((e: unknown) => e);
    expect(isCredentialRejection(rejected)).toBe(true);
    expect(isMlsRejection(rejected)).toBe(true);

    // The directory cannot be asked: its error comes out unchanged, and is no verdict.
    const outage = new CandorError('unavailable', 'directory down');
    const config = { ...b!.clientConfig, authService: { validateCredential: async () => Promise.reject(outage) } };
    const thrown = await processIncoming(w.suite, { ...b!, clientConfig: config }, add.commit).catch((e: unknown) => e);
    expect(thrown).toBe(outage);
    expect(isCredentialRejection(thrown)).toBe(false);
    expect(isMlsRejection(thrown)).toBe(false);
  });
});

// A handshake's credentials judged by the service its own authenticated data picks: the commit's
// authenticated_data reaches the caller byte for byte, the Welcome carries the same bytes for the
// joiner, the chosen service decides, and the state goes on with its own config afterwards.
import { describe, expect, it } from 'vitest';
import { fromBase64Url } from '@candor/protocol';
import { DirectoryAuthenticationService } from '../directory-authentication.ts';
import { commitChanges } from './group-commit.ts';
import { epochOf, leaves } from './group-members.ts';
import { processIncoming } from './incoming-message.ts';
import { decodeKeyPackage } from './key-package.ts';
import { joinFromWelcome } from './welcome-join.ts';
import { testWorld } from '../../test/mls-support/devices.ts';

const aad = new TextEncoder().encode('{"directory":{"root":"x","size":7},"v":1}');

describe('handshake authentication', () => {
  it('a commit adding a device the directory has since dropped is judged by the service its authenticated data picks', async () => {
    const w = await testWorld();
    const [alice, bob, laptop] = [w.device('alice'), w.device('bob'), w.device('alice')];
    const [a, b] = await w.group([alice, bob]);
    const kp = await laptop.keyPackage();
    const add = await commitChanges(w.suite, a!, [decodeKeyPackage(fromBase64Url(kp.publicPackage)!)], [], { authenticatedData: aad });

    // The directory as it is now no longer has the laptop (revoked meanwhile) …
    const then = new Map(w.directory);
    w.directory.delete(`alice/${laptop.keys.deviceId}`);
    await expect(processIncoming(w.suite, b!, add.commit)).rejects.toThrow(/credential/i);

    // … but the directory the commit names did; the service for it is asked, with the exact bytes.
    const seen: Uint8Array[] = [];
    const asOfThen = new DirectoryAuthenticationService(async (u, d) => then.get(`${u}/${d}`) ?? null);
    const got = await processIncoming(w.suite, b!, add.commit, {
      authenticationFor: (bytes) => {
        seen.push(bytes);
        return asOfThen;
      },
    });
    expect(seen).toEqual([aad]);
    expect(got.kind).toBe('handshake');
    expect(epochOf(got.state)).toBe(2);
    expect(leaves(got.state).map((l) => l.deviceId)).toContain(laptop.keys.deviceId);
    // The next message is judged by the state's own service again.
    expect(got.state.clientConfig).toBe(b!.clientConfig);

    // A service that refuses, or one that throws, refuses the commit and changes nothing.
    const refusing = new DirectoryAuthenticationService(async () => null);
    await expect(processIncoming(w.suite, b!, add.commit, { authenticationFor: () => refusing })).rejects.toThrow(/credential/i);
    const failing = () => {
      throw new Error('checkpoint not verifiable');
    };
    await expect(processIncoming(w.suite, b!, add.commit, { authenticationFor: failing })).rejects.toThrow('checkpoint not verifiable');
    expect(epochOf(b!)).toBe(1);
  });

  it('the joiner reads the same authenticated data from the Welcome, and joins with its own config', async () => {
    const w = await testWorld();
    const [alice, bob] = [w.device('alice'), w.device('bob')];
    const [a] = await w.group([alice]);
    const kp = await bob.keyPackage();
    const add = await commitChanges(w.suite, a!, [decodeKeyPackage(fromBase64Url(kp.publicPackage)!)], [], { authenticatedData: aad });
    const find = async (ref: string) => (ref === kp.ref ? kp : undefined);
    const seen: Uint8Array[] = [];
    const joined = await joinFromWelcome(w.suite, w.config, add.welcome!, find, {
      authenticationFor: (bytes) => {
        seen.push(bytes);
        return w.config.authService;
      },
    });
    expect(seen).toEqual([aad]);
    expect(joined.state.clientConfig).toBe(w.config);
    // The service it picks judges the tree: one that knows nobody refuses the join.
    const nobody = new DirectoryAuthenticationService(async () => null);
    await expect(joinFromWelcome(w.suite, w.config, add.welcome!, find, { authenticationFor: () => nobody })).rejects.toThrow(/credential/i);
  });

  it('without authenticated data the caller is handed empty bytes (an older client)', async () => {
    const w = await testWorld();
    const [alice, bob, carol] = [w.device('alice'), w.device('bob'), w.device('carol')];
    const [a, b] = await w.group([alice, bob]);
    const kp = await carol.keyPackage();
    const add = await commitChanges(w.suite, a!, [decodeKeyPackage(fromBase64Url(kp.publicPackage)!)], []);
    const seen: Uint8Array[] = [];
    await processIncoming(w.suite, b!, add.commit, { authenticationFor: (bytes) => (seen.push(bytes), w.config.authService) });
    const joinedSeen: Uint8Array[] = [];
    await joinFromWelcome(w.suite, w.config, add.welcome!, async (ref) => (ref === kp.ref ? kp : undefined), {
      authenticationFor: (bytes) => (joinedSeen.push(bytes), w.config.authService),
    });
    expect(seen).toEqual([new Uint8Array()]);
    expect(joinedSeen).toEqual([new Uint8Array()]);
  });
});

import {
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  joinGroup,
  processPrivateMessage,
  defaultCryptoProvider,
  getCiphersuiteFromName,
  type CiphersuiteImpl,
  type ClientState,
  type CryptoProvider,
} from 'ts-mls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CIPHERSUITE,
  PQ_SUITE,
  SUITES,
  type SuiteName,
  DirectoryAuthenticationService,
  clientConfigWith,
  encodeDeviceCredential,
  generateDeviceKey,
  getSuite,
  webCryptoProvider,
} from './index.ts';
import { nodeCryptoProvider } from './node/index.ts';

const providers: [string, CryptoProvider][] = [
  ['webCrypto (detected)', webCryptoProvider()],
  ['webCrypto (noble fallbacks)', webCryptoProvider({ features: { subtle: false, ed25519: false, x25519: false } })],
  ['webCrypto (noble X25519/Ed25519, subtle AES/HMAC)', webCryptoProvider({ features: { ed25519: false, x25519: false } })],
  ['node', nodeCryptoProvider()],
];

type Directory = Map<string, Uint8Array>;

async function device(suite: CiphersuiteImpl, dir: Directory, userId: string, deviceId: string) {
  const key = generateDeviceKey();
  dir.set(`${userId}/${deviceId}`, key.publicKey);
  return generateKeyPackageWithKey(
    encodeDeviceCredential(userId, deviceId),
    defaultCapabilities(),
    defaultLifetime,
    [],
    { signKey: key.secretKey, publicKey: key.publicKey },
    suite,
  );
}

const configFor = (dir: Directory) =>
  clientConfigWith(new DirectoryAuthenticationService(async (u, d) => dir.get(`${u}/${d}`) ?? null));

async function send(from: ClientState, to: ClientState, text: string, sFrom: CiphersuiteImpl, sTo: CiphersuiteImpl) {
  const sent = await createApplicationMessage(from, new TextEncoder().encode(text), sFrom);
  const received = await processPrivateMessage(to, sent.privateMessage, emptyPskIndex, sTo);
  if (received.kind !== 'applicationMessage') throw new Error('expected an application message');
  return { from: sent.newState, to: received.newState, text: new TextDecoder().decode(received.message) };
}

async function twoPartyFlow(aliceProvider: CryptoProvider, bobProvider: CryptoProvider, suiteName: SuiteName = CIPHERSUITE) {
  const sa = await getSuite(aliceProvider, suiteName);
  const sb = await getSuite(bobProvider, suiteName);
  expect(sa.name).toBe(suiteName);
  const dir: Directory = new Map();
  const alice = await device(sa, dir, 'alice', 'laptop');
  const bob = await device(sb, dir, 'bob', 'phone');
  let a = await createGroup(new TextEncoder().encode('group-1'), alice.publicPackage, alice.privatePackage, [], sa, configFor(dir));
  const commit = await createCommit(
    { state: a, cipherSuite: sa },
    { extraProposals: [{ proposalType: 'add', add: { keyPackage: bob.publicPackage } }] },
  );
  a = commit.newState;
  expect(commit.welcome).toBeDefined();
  // Go through the wire encoding, as the delivery service would.
  const wire = decodeMlsMessage(encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: commit.welcome! }), 0);
  if (wire === undefined || wire[0].wireformat !== 'mls_welcome') throw new Error('welcome did not round-trip');
  let b = await joinGroup(wire[0].welcome, bob.publicPackage, bob.privatePackage, emptyPskIndex, sb, a.ratchetTree, undefined, configFor(dir));
  expect(b.groupContext.epoch).toBe(a.groupContext.epoch);

  const ab = await send(a, b, 'hello bob', sa, sb);
  expect(ab.text).toBe('hello bob');
  const ba = await send(ab.to, ab.from, 'hello alice', sb, sa);
  expect(ba.text).toBe('hello alice');
}

describe('CryptoProviders run a full ts-mls flow', () => {
  for (const [name, provider] of providers) {
    it(`${name}: create, add, join, message both ways`, async () => {
      const suite = await getSuite(provider);
      expect(suite.name).toBe(CIPHERSUITE);
      expect(await getSuite(provider)).toBe(suite);
      await twoPartyFlow(provider, provider);
    });
  }

  it('interoperates: alice on node, bob on WebCrypto with noble fallbacks', async () => {
    await twoPartyFlow(nodeCryptoProvider(), providers[1]![1]);
  });
});

describe('the post-quantum suite (X-Wing, SHA-512, AES-256-GCM) on every provider', () => {
  for (const [name, provider] of providers) {
    it(`${name}: create, add, join, message both ways`, async () => {
      const suite = await getSuite(provider, PQ_SUITE);
      expect(suite.hpke.keyLength).toBe(32);
      expect(suite.kdf.size).toBe(64);
      expect(await suite.hash.digest(new Uint8Array(0))).toHaveLength(64);
      expect(await getSuite(provider, PQ_SUITE)).toBe(suite);
      expect(await getSuite(provider)).not.toBe(suite);
      await twoPartyFlow(provider, provider, PQ_SUITE);
    });
  }

  it('interoperates both ways with ts-mls\'s own implementation of suite 83', async () => {
    await twoPartyFlow(nodeCryptoProvider(), defaultCryptoProvider, PQ_SUITE);
    await twoPartyFlow(defaultCryptoProvider, providers[1]![1], PQ_SUITE);
  });

  it('interoperates: node and WebCrypto with noble fallbacks', async () => {
    await twoPartyFlow(providers[1]![1], nodeCryptoProvider(), PQ_SUITE);
  });

  it('refuses a suite Candor does not speak', async () => {
    for (const [, provider] of providers) {
      await expect(provider.getCiphersuiteImpl(getCiphersuiteFromName('MLS_256_XWING_CHACHA20POLY1305_SHA512_Ed25519'))).rejects.toThrow(/unsupported MLS cipher suite/);
    }
    expect(SUITES).toEqual([PQ_SUITE, CIPHERSUITE]);
  });
});

describe('webCryptoProvider without crypto.subtle (insecure browser context)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('detects the absence and runs entirely on @noble/*', async () => {
    const real = globalThis.crypto;
    vi.stubGlobal('crypto', { getRandomValues: <T extends ArrayBufferView>(a: T) => real.getRandomValues(a) });
    expect(globalThis.crypto.subtle).toBeUndefined();
    // Catch any code that captured the real SubtleCrypto before the stub.
    const methods = ['digest', 'importKey', 'sign', 'verify', 'encrypt', 'decrypt', 'deriveBits', 'generateKey'] as const;
    const spies = methods.map((m) => vi.spyOn(real.subtle, m));
    const provider = webCryptoProvider();
    await twoPartyFlow(provider, provider);
    await twoPartyFlow(provider, provider, PQ_SUITE);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    for (const spy of spies) spy.mockRestore();
  });
});

describe('DirectoryAuthenticationService in MLS', () => {
  for (const [name, provider] of [providers[0]!, providers[3]!]) {
    it(`${name}: refuses to add a device whose key is not the directory's`, async () => {
      const suite = await getSuite(provider);
      const dir: Directory = new Map();
      const alice = await device(suite, dir, 'alice', 'laptop');
      const mallory = await device(suite, dir, 'bob', 'phone');
      dir.set('bob/phone', generateDeviceKey().publicKey); // the directory binds another key
      const a = await createGroup(new Uint8Array([1]), alice.publicPackage, alice.privatePackage, [], suite, configFor(dir));
      await expect(
        createCommit({ state: a, cipherSuite: suite }, { extraProposals: [{ proposalType: 'add', add: { keyPackage: mallory.publicPackage } }] }),
      ).rejects.toThrow();
    });

    it(`${name}: refuses to join a group whose members' keys are not the directory's`, async () => {
      const suite = await getSuite(provider);
      const aliceDir: Directory = new Map();
      const alice = await device(suite, aliceDir, 'alice', 'laptop');
      const bob = await device(suite, aliceDir, 'bob', 'phone');
      const bobDir: Directory = new Map(aliceDir);
      bobDir.set('alice/laptop', generateDeviceKey().publicKey); // bob's directory view disagrees
      let a = await createGroup(new Uint8Array([2]), alice.publicPackage, alice.privatePackage, [], suite, configFor(aliceDir));
      const commit = await createCommit(
        { state: a, cipherSuite: suite },
        { extraProposals: [{ proposalType: 'add', add: { keyPackage: bob.publicPackage } }] },
      );
      a = commit.newState;
      await expect(
        joinGroup(commit.welcome!, bob.publicPackage, bob.privatePackage, emptyPskIndex, suite, a.ratchetTree, undefined, configFor(bobDir)),
      ).rejects.toThrow();
      // Control: the same welcome is accepted with the honest directory.
      await expect(
        joinGroup(commit.welcome!, bob.publicPackage, bob.privatePackage, emptyPskIndex, suite, a.ratchetTree, undefined, configFor(aliceDir)),
      ).resolves.toBeDefined();
    });
  }
});

describe('Ed25519 in every provider refuses the keys the portable check refuses', () => {
  // Small-order public keys: OpenSSL (node) alone took R = identity, S = 0 under them for any
  // message, so an MLS signature (a leaf node, a commit, a GroupInfo) meant more on Node than in
  // a browser. Every provider must answer as @noble does.
  const SMALL_ORDER = [
    '0100000000000000000000000000000000000000000000000000000000000000',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    '0000000000000000000000000000000000000000000000000000000000000000',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  ].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
  const trivial = new Uint8Array(64);
  trivial[0] = 1; // R = identity, S = 0
  for (const [name, provider] of providers) {
    it(`${name}: refuses them, and still verifies a real signature`, async () => {
      const impl = await getSuite(provider);
      for (const key of SMALL_ORDER) {
        for (const message of [new Uint8Array(0), new TextEncoder().encode('any commit')]) {
          expect(await impl.signature.verify(key, message, trivial)).toBe(false);
        }
      }
      const k = generateDeviceKey();
      const message = new TextEncoder().encode('leaf node');
      const signature = await impl.signature.sign(k.secretKey, message);
      expect(await impl.signature.verify(k.publicKey, message, signature)).toBe(true);
    });
  }
});

// The Node provider's faster parts (node-fast-parts.ts) against published answers and the
// portable @noble/* versions, and the checks they feed still refusing a tampered tree: a
// parent hash or a tree hash that does not match is refused when the digests come from
// crypto.hash (the parent-hash and tree-hash checks run on the provider's Hash).
import { gcm } from '@noble/ciphers/aes.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import type { RatchetTree } from 'ts-mls';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NobleAesGcm, NobleHkdf } from '../noble-hpke-parts.ts';
import { commitChanges } from '../mls/group-commit.ts';
import { joinFromWelcome } from '../mls/welcome-join.ts';
import { craftedWelcome } from '../../test/mls-support/crafted-welcome.ts';
import { testWorld } from '../../test/mls-support/devices.ts';
import { ed25519PublicKeyObject, NodeAesGcm, NodeHkdf, nodeHash, nodeKdf, nodeX25519Primitives } from './node-fast-parts.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const rnd = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const bytes = (b: ArrayBuffer) => new Uint8Array(b);

describe('node-fast-parts', () => {
  it('X25519: RFC 7748 §6.1, and the same as @noble/curves for random keys, cached or not', () => {
    const x = nodeX25519Primitives(4);
    const a = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const b = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const aPub = hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    const bPub = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = hex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
    expect(x.publicKey(a)).toEqual(aPub);
    expect(x.publicKey(b)).toEqual(bPub);
    expect(x.sharedSecret(a, bPub)).toEqual(shared);
    expect(x.sharedSecret(b, aPub)).toEqual(shared);
    // More keys than the cache holds: evicted keys are imported again, with the same results.
    for (let i = 0; i < 10; i++) {
      const sk = i % 2 ? x.randomSecretKey() : x25519.utils.randomSecretKey();
      const peer = x25519.utils.randomSecretKey();
      expect(x.publicKey(sk)).toEqual(x25519.getPublicKey(sk));
      expect(x.sharedSecret(sk, x25519.getPublicKey(peer))).toEqual(x25519.getSharedSecret(sk, x25519.getPublicKey(peer)));
    }
    expect(x.sharedSecret(a, bPub)).toEqual(shared);
    expect(() => x.publicKey(new Uint8Array(31))).toThrow('32 bytes');
    // Imported private keys (as a derived node key is): the public key and DH are the key's own,
    // whatever the JWK import's placeholder public part (a cache of 1: every key imported anew).
    const fresh = nodeX25519Primitives(1);
    for (let i = 0; i < 50; i++) {
      const sk = x25519.utils.randomSecretKey();
      const peer = x25519.getPublicKey(x25519.utils.randomSecretKey());
      expect(fresh.publicKey(sk)).toEqual(x25519.getPublicKey(sk));
      expect(fresh.sharedSecret(sk, peer)).toEqual(x25519.getSharedSecret(sk, peer));
    }
  });

  it('Hash, HKDF (ts-mls and HPKE) and AES-GCM give what @noble/* gives', async () => {
    const h = nodeHash();
    const kdf = nodeKdf();
    for (const n of [0, 1, 55, 64, 200]) {
      const data = rnd(n);
      const key = rnd(32);
      expect(await h.digest(data)).toEqual(sha256(data));
      expect(await h.mac(key, data)).toEqual(hmac(sha256, key, data));
      expect(await h.verifyMac(key, hmac(sha256, key, data), data)).toBe(true);
      expect(await h.verifyMac(key, rnd(32), data)).toBe(false);
      expect(await kdf.extract(key, data)).toEqual(extract(sha256, data, key));
      expect(await kdf.extract(new Uint8Array(0), data)).toEqual(extract(sha256, data, new Uint8Array(0)));
      for (const len of [16, 32, 33, 80]) expect(await kdf.expand(key, data, len)).toEqual(expand(sha256, key, data, len));
    }
    const [ours, noble] = [new NodeHkdf(), new NobleHkdf('sha256')];
    const suiteId = hex('48504b450020000100010001');
    ours.init(suiteId);
    noble.init(suiteId);
    const [salt, ikm, label, info] = [rnd(32), rnd(40), new TextEncoder().encode('secret'), rnd(20)];
    expect(bytes(await ours.labeledExtract(salt, label, ikm))).toEqual(bytes(await noble.labeledExtract(salt, label, ikm)));
    expect(bytes(await ours.labeledExpand(salt, label, info, 44))).toEqual(bytes(await noble.labeledExpand(salt, label, info, 44)));
    expect(bytes(await ours.extractAndExpand(salt, ikm, info, 32))).toEqual(bytes(await noble.extractAndExpand(salt, ikm, info, 32)));
    const key = rnd(16);
    const [iv, aad, pt] = [rnd(12), rnd(9), rnd(100)];
    const sealed = bytes(await new NodeAesGcm(128).createEncryptionContext(key).seal(iv, pt, aad));
    expect(sealed).toEqual(gcm(key, iv, aad).encrypt(pt));
    expect(bytes(await new NobleAesGcm(16).createEncryptionContext(key).open(iv, sealed, aad))).toEqual(pt);
    sealed[3]! ^= 1;
    await expect(new NodeAesGcm(128).createEncryptionContext(key).open(iv, sealed, aad)).rejects.toThrow();
    expect(() => ed25519PublicKeyObject(new Uint8Array(31))).toThrow('32 bytes');
  });

  it("the X-Wing suite's SHA-512 hash and HKDF (ts-mls and HPKE) and AES-256-GCM give what @noble/* gives", async () => {
    const h = nodeHash('sha512');
    const kdf = nodeKdf('sha512');
    expect(kdf.size).toBe(64);
    for (const n of [0, 1, 111, 128, 300]) {
      const data = rnd(n);
      const key = rnd(64);
      expect(await h.digest(data)).toEqual(sha512(data));
      expect(await h.mac(key, data)).toEqual(hmac(sha512, key, data));
      expect(await h.verifyMac(key, hmac(sha512, key, data), data)).toBe(true);
      expect(await h.verifyMac(key, hmac(sha256, key, data), data)).toBe(false);
      expect(await kdf.extract(key, data)).toEqual(extract(sha512, data, key));
      expect(await kdf.extract(new Uint8Array(0), data)).toEqual(extract(sha512, data, new Uint8Array(0)));
      for (const len of [32, 64, 65, 150]) expect(await kdf.expand(key, data, len)).toEqual(expand(sha512, key, data, len));
    }
    const [ours, noble] = [new NodeHkdf('sha512'), new NobleHkdf('sha512')];
    expect([ours.id, ours.hashSize]).toEqual([noble.id, noble.hashSize]);
    // HPKE suite id: KEM X-Wing (0x647a), HKDF-SHA512 (3), AES-256-GCM (2).
    const suiteId = hex('48504b45647a00030002');
    ours.init(suiteId);
    noble.init(suiteId);
    const [salt, ikm, label, info] = [rnd(64), rnd(40), new TextEncoder().encode('secret'), rnd(20)];
    expect(bytes(await ours.labeledExtract(salt, label, ikm))).toEqual(bytes(await noble.labeledExtract(salt, label, ikm)));
    expect(bytes(await ours.labeledExpand(salt, label, info, 96))).toEqual(bytes(await noble.labeledExpand(salt, label, info, 96)));
    expect(bytes(await ours.extractAndExpand(salt, ikm, info, 32))).toEqual(bytes(await noble.extractAndExpand(salt, ikm, info, 32)));
    // A large info (a Welcome's, sealed to each newcomer) is remembered: the same bytes again, a
    // changed byte in a reused buffer, another label and a salt each give what noble gives.
    const empty = new Uint8Array(0);
    const infoLabel = new TextEncoder().encode('info_hash');
    const big = rnd(60_000);
    const same = async (s: Uint8Array, l: Uint8Array, x: Uint8Array) =>
      expect(bytes(await ours.labeledExtract(s, l, x))).toEqual(bytes(await noble.labeledExtract(s, l, x)));
    await same(empty, infoLabel, big);
    await same(empty, infoLabel, big.slice());
    big[44_444]! ^= 1;
    await same(empty, infoLabel, big);
    await same(empty, label, big);
    await same(salt, infoLabel, big);
    const key = rnd(32);
    const [iv, aad, pt] = [rnd(12), rnd(9), rnd(100)];
    const aes = new NodeAesGcm(256);
    expect([aes.id, aes.keySize]).toEqual([new NobleAesGcm(32).id, 32]);
    const sealed = bytes(await aes.createEncryptionContext(key).seal(iv, pt, aad));
    expect(sealed).toEqual(gcm(key, iv, aad).encrypt(pt));
    expect(bytes(await new NobleAesGcm(32).createEncryptionContext(key).open(iv, sealed, aad))).toEqual(pt);
    expect(() => aes.createEncryptionContext(rnd(16))).toThrow('32 bytes');
    sealed[3]! ^= 1;
    await expect(aes.createEncryptionContext(key).open(iv, sealed, aad)).rejects.toThrow();
  });

  it('a Welcome whose tree has a tampered parent hash or the wrong tree hash is still refused', async () => {
    const w = await testWorld();
    const mallory = w.device('mallory');
    const [, bob] = await w.group([mallory, w.device('bob'), w.device('carol'), w.device('dave')]);
    // Bob (leaf 1) commits with a path: parent nodes 1 and 3 get keys and parent hashes.
    const tree = (await commitChanges(w.suite, bob!, [], [])).state.ratchetTree;
    expect(tree[1]?.nodeType).toBe('parent');
    const victim = await w.device('victim').keyPackage();
    const find = async (ref: string) => (ref === victim.ref ? victim : undefined);
    const groupId = bob!.groupContext.groupId;
    const attempt = async (t: RatchetTree, treeHash?: Uint8Array) =>
      joinFromWelcome(w.suite, w.config, await craftedWelcome(w.suite, mallory, victim, () => t, { groupId, ...(treeHash ? { treeHash } : {}) }), find).then(
        () => 'joined',
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      );
    // The tree as committed passes the parent-hash check and stops at the tree hash (a random one)…
    expect(await attempt(tree)).toContain('tree hash');
    // …and with its true tree hash passes every tree check, and stops at looking for the victim's
    // leaf (it is not in Bob's tree).
    expect(await attempt(tree, await treeHashRoot(tree, w.suite.hash))).toContain('Could not find own leaf');
    // One byte of one parent hash changed: refused at the parent-hash check.
    const node = tree[1]!;
    if (node.nodeType !== 'parent') throw new Error('expected a parent node');
    const parentHash = node.parent.parentHash.slice();
    parentHash[0]! ^= 1;
    const tampered: RatchetTree = tree.map((n, i) => (i === 1 ? { nodeType: 'parent', parent: { ...node.parent, parentHash } } : n));
    expect(await attempt(tampered, await treeHashRoot(tampered, w.suite.hash))).toContain('parent hash');
  }, 120_000);
});

describe('nodeX25519Primitives.randomSecretKey on Node 20', () => {
  it('makes 100,000 keys amid garbage without the process hanging (generate-then-export-JWK deadlocked within 10,000)', () => {
    // In a child process: a deadlocked main thread could not even fail this test.
    const script = [
      `import { nodeX25519Primitives } from ${JSON.stringify(new URL('./node-fast-parts.ts', import.meta.url).href)}`,
      'const x = nodeX25519Primitives(64)',
      'const seen = new Set()',
      // Garbage beside it, as a busy process makes: collections come often, also inside an export.
      'let junk = []',
      'for (let i = 0; i < 100000; i++) {',
      '  const sk = x.randomSecretKey()',
      '  if (i % 10 === 0) seen.add(Buffer.from(sk).toString("hex"))',
      '  junk.push("j".repeat(200) + i)',
      '  if (junk.length > 20000) junk = []',
      '}',
      'console.log(seen.size)',
    ].join('\n')
    const r = spawnSync(process.execPath, ['--conditions=candor-source', '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
      cwd: fileURLToPath(new URL('.', import.meta.url)),
    })
    expect(r.signal, 'the child hung and was killed').toBeNull()
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe('10000')
  }, 120_000)
})

import type { CiphersuiteImpl } from 'ts-mls';
import { defaultKeyRetentionConfig } from 'ts-mls/keyRetentionConfig.js';
import { createSecretTree, deriveKey, deriveNonce, ratchetUntil } from 'ts-mls/secretTree.js';
import { expandSenderDataKey, expandSenderDataNonce } from 'ts-mls/sender.js';
import { leafToNodeIndex, toLeafIndex } from 'ts-mls/treemath.js';
import { describe, expect, it } from 'vitest';
import { PROVIDERS, casesBySuite, flipHexByte, hex, loadVectors, suiteOf, unhex } from './vectors.ts';

interface Generation {
  generation: number;
  handshake_key: string;
  handshake_nonce: string;
  application_key: string;
  application_nonce: string;
}

interface SecretTreeCase {
  cipher_suite: number;
  sender_data: { sender_data_secret: string; ciphertext: string; key: string; nonce: string };
  encryption_secret: string;
  leaves: Generation[][];
}

const cases = loadVectors<SecretTreeCase>('secret-tree.json');

async function check(cs: CiphersuiteImpl, v: SecretTreeCase): Promise<void> {
  const sd = v.sender_data;
  expect(hex(await expandSenderDataKey(cs, unhex(sd.sender_data_secret), unhex(sd.ciphertext))), 'sender data key').toBe(sd.key);
  expect(hex(await expandSenderDataNonce(cs, unhex(sd.sender_data_secret), unhex(sd.ciphertext))), 'sender data nonce').toBe(sd.nonce);

  const tree = await createSecretTree(v.leaves.length, unhex(v.encryption_secret), cs.kdf);
  for (const [leaf, generations] of v.leaves.entries()) {
    const node = tree[leafToNodeIndex(toLeafIndex(leaf))];
    if (node === undefined) throw new Error(`no secret-tree node for leaf ${leaf}`);
    for (const g of generations) {
      for (const [kind, start] of [['handshake', node.handshake], ['application', node.application]] as const) {
        const [ratcheted] = await ratchetUntil(start, g.generation, defaultKeyRetentionConfig, cs.kdf);
        expect(ratcheted.generation).toBe(g.generation);
        const where = `leaf ${leaf} gen ${g.generation} ${kind}`;
        expect(hex(await deriveKey(ratcheted.secret, g.generation, cs)), `${where} key`).toBe(g[`${kind}_key`]);
        expect(hex(await deriveNonce(ratcheted.secret, g.generation, cs)), `${where} nonce`).toBe(g[`${kind}_nonce`]);
      }
    }
  }
}

describe.each(PROVIDERS)('RFC 9420 secret-tree vectors via %s', (_name, provider) => {
  const ours = casesBySuite(cases, async (c) => check(await suiteOf(provider), c));

  it('negative control: a flipped encryption_secret byte fails', async () => {
    const valid = ours[0]!;
    await expect(check(await suiteOf(provider), { ...valid, encryption_secret: flipHexByte(valid.encryption_secret, 3) })).rejects.toThrow();
  });
});

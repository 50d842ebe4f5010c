import type { CiphersuiteImpl, GroupContext } from 'ts-mls';
import { encodeGroupContext } from 'ts-mls/groupContext.js';
import { initializeEpoch, mlsExporter } from 'ts-mls/keySchedule.js';
import { describe, expect, it } from 'vitest';
import { CIPHERSUITE } from '../../src/index.ts';
import { PROVIDERS, casesBySuite, flipHexByte, hex, loadVectors, suiteOf, unhex } from './vectors.ts';

interface Epoch {
  tree_hash: string;
  commit_secret: string;
  psk_secret: string;
  confirmed_transcript_hash: string;
  group_context: string;
  joiner_secret: string;
  welcome_secret: string;
  init_secret: string;
  sender_data_secret: string;
  encryption_secret: string;
  exporter_secret: string;
  epoch_authenticator: string;
  external_secret: string;
  confirmation_key: string;
  membership_key: string;
  resumption_psk: string;
  external_pub: string;
  exporter: { label: string; context: string; length: number; secret: string };
}

interface KeyScheduleCase {
  cipher_suite: number;
  group_id: string;
  initial_init_secret: string;
  epochs: Epoch[];
}

const cases = loadVectors<KeyScheduleCase>('key-schedule.json');

async function check(cs: CiphersuiteImpl, v: KeyScheduleCase): Promise<void> {
  let initSecret = unhex(v.initial_init_secret);
  for (const [n, e] of v.epochs.entries()) {
    const gc: GroupContext = {
      version: 'mls10',
      cipherSuite: CIPHERSUITE,
      groupId: unhex(v.group_id),
      epoch: BigInt(n),
      treeHash: unhex(e.tree_hash),
      confirmedTranscriptHash: unhex(e.confirmed_transcript_hash),
      extensions: [],
    };
    expect(hex(encodeGroupContext(gc)), `epoch ${n} group_context`).toBe(e.group_context);

    const out = await initializeEpoch(initSecret, unhex(e.commit_secret), gc, unhex(e.psk_secret), cs.kdf);
    const ks = out.keySchedule;
    const got = {
      joiner_secret: out.joinerSecret,
      welcome_secret: out.welcomeSecret,
      encryption_secret: out.encryptionSecret,
      init_secret: ks.initSecret,
      sender_data_secret: ks.senderDataSecret,
      exporter_secret: ks.exporterSecret,
      external_secret: ks.externalSecret,
      confirmation_key: ks.confirmationKey,
      membership_key: ks.membershipKey,
      resumption_psk: ks.resumptionPsk,
      epoch_authenticator: ks.epochAuthenticator,
    };
    for (const [k, value] of Object.entries(got)) expect(hex(value), `epoch ${n} ${k}`).toBe(e[k as keyof typeof got]);

    const { publicKey } = await cs.hpke.deriveKeyPair(ks.externalSecret);
    expect(hex(await cs.hpke.exportPublicKey(publicKey)), `epoch ${n} external_pub`).toBe(e.external_pub);

    const x = e.exporter;
    expect(hex(await mlsExporter(ks.exporterSecret, x.label, unhex(x.context), x.length, cs)), `epoch ${n} exporter`).toBe(x.secret);
    initSecret = ks.initSecret;
  }
}

describe.each(PROVIDERS)('RFC 9420 key-schedule vectors via %s', (_name, provider) => {
  const ours = casesBySuite(cases, async (c) => check(await suiteOf(provider), c));

  it('negative control: a flipped commit_secret byte fails', async () => {
    const valid = ours[0]!;
    const [first, ...rest] = valid.epochs;
    const bad = { ...valid, epochs: [{ ...first!, commit_secret: flipHexByte(first!.commit_secret, 0) }, ...rest] };
    await expect(check(await suiteOf(provider), bad)).rejects.toThrow();
  });
});

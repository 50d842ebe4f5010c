// Runs one passive-client vector (RFC 9420 interop "passive-client-*"): join from a Welcome,
// then process every epoch's proposals and commit, checking each epoch authenticator.
import { bytesToBase64, type CiphersuiteImpl, type ClientState, type PrivateKeyPackage } from 'ts-mls';
import { joinGroup, makePskIndex } from 'ts-mls/clientState.js';
import { decodeMlsMessage } from 'ts-mls/message.js';
import { processPrivateMessage, processPublicMessage } from 'ts-mls/processMessages.js';
import { decodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { expect } from 'vitest';
import { hpkeKeysMatch, signatureKeysMatch } from './key-match.ts';
import { hex, unhex, vectorClientConfig } from './vectors.ts';

export interface PassiveClientCase {
  cipher_suite: number;
  external_psks: { psk_id: string; psk: string }[];
  key_package: string;
  signature_priv: string;
  encryption_priv: string;
  init_priv: string;
  welcome: string;
  ratchet_tree: string | null;
  initial_epoch_authenticator: string;
  epochs: { proposals: string[]; commit: string; epoch_authenticator: string }[];
}

async function applyMessage(state: ClientState, msgHex: string, psks: Record<string, Uint8Array>, cs: CiphersuiteImpl) {
  const m = decodeMlsMessage(unhex(msgHex), 0)?.[0];
  const pskIndex = makePskIndex(state, psks);
  if (m?.wireformat === 'mls_private_message') return (await processPrivateMessage(state, m.privateMessage, pskIndex, cs)).newState;
  if (m?.wireformat === 'mls_public_message') return (await processPublicMessage(state, m.publicMessage, pskIndex, cs)).newState;
  throw new Error('handshake message is neither PublicMessage nor PrivateMessage');
}

export async function runPassiveClient(cs: CiphersuiteImpl, v: PassiveClientCase): Promise<void> {
  const kp = decodeMlsMessage(unhex(v.key_package), 0)?.[0];
  if (kp?.wireformat !== 'mls_key_package') throw new Error('not an MLSMessage(KeyPackage)');
  const welcome = decodeMlsMessage(unhex(v.welcome), 0)?.[0];
  if (welcome?.wireformat !== 'mls_welcome') throw new Error('not an MLSMessage(Welcome)');

  const keyPackage = kp.keyPackage;
  expect(await hpkeKeysMatch(cs, keyPackage.leafNode.hpkePublicKey, unhex(v.encryption_priv)), 'encryption key').toBe(true);
  expect(await hpkeKeysMatch(cs, keyPackage.initKey, unhex(v.init_priv)), 'init key').toBe(true);
  expect(await signatureKeysMatch(cs, keyPackage.leafNode.signaturePublicKey, unhex(v.signature_priv)), 'signature key').toBe(true);

  const privateKeys: PrivateKeyPackage = {
    initPrivateKey: unhex(v.init_priv),
    hpkePrivateKey: unhex(v.encryption_priv),
    signaturePrivateKey: unhex(v.signature_priv),
  };
  const tree = v.ratchet_tree === null ? undefined : decodeRatchetTree(unhex(v.ratchet_tree), 0)?.[0];
  const psks = Object.fromEntries(v.external_psks.map((p) => [bytesToBase64(unhex(p.psk_id)), unhex(p.psk)]));

  let state = await joinGroup(
    welcome.welcome,
    keyPackage,
    privateKeys,
    makePskIndex(undefined, psks),
    cs,
    tree,
    undefined,
    vectorClientConfig,
  );
  expect(hex(state.keySchedule.epochAuthenticator), 'initial epoch authenticator').toBe(v.initial_epoch_authenticator);

  for (const [n, epoch] of v.epochs.entries()) {
    for (const p of epoch.proposals) state = await applyMessage(state, p, psks, cs);
    state = await applyMessage(state, epoch.commit, psks, cs);
    expect(hex(state.keySchedule.epochAuthenticator), `epoch ${n + 1} authenticator`).toBe(epoch.epoch_authenticator);
  }
}

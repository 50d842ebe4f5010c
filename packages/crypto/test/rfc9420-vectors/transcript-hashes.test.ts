import type { CiphersuiteImpl } from 'ts-mls';
import { decodeAuthenticatedContent } from 'ts-mls/authenticatedContent.js';
import { createConfirmedHash, createInterimHash } from 'ts-mls/transcriptHash.js';
import { describe, expect, it } from 'vitest';
import { PROVIDERS, casesBySuite, flipHexByte, hex, loadVectors, suiteOf, unhex } from './vectors.ts';

interface TranscriptCase {
  cipher_suite: number;
  confirmation_key: string;
  authenticated_content: string;
  interim_transcript_hash_before: string;
  confirmed_transcript_hash_after: string;
  interim_transcript_hash_after: string;
}

const cases = loadVectors<TranscriptCase>('transcript-hashes.json');

async function check(cs: CiphersuiteImpl, v: TranscriptCase): Promise<void> {
  const ac = decodeAuthenticatedContent(unhex(v.authenticated_content), 0)?.[0];
  if (ac?.content.contentType !== 'commit' || ac.auth.contentType !== 'commit') throw new Error('not a commit AuthenticatedContent');
  const tag = ac.auth.confirmationTag;
  expect(await cs.hash.verifyMac(unhex(v.confirmation_key), tag, unhex(v.confirmed_transcript_hash_after)), 'confirmation tag').toBe(true);
  const input = { wireformat: ac.wireformat, content: ac.content, signature: ac.auth.signature };
  const confirmed = await createConfirmedHash(unhex(v.interim_transcript_hash_before), input, cs.hash);
  expect(hex(confirmed), 'confirmed_transcript_hash_after').toBe(v.confirmed_transcript_hash_after);
  expect(hex(await createInterimHash(confirmed, tag, cs.hash)), 'interim_transcript_hash_after').toBe(v.interim_transcript_hash_after);
}

describe.each(PROVIDERS)('RFC 9420 transcript-hashes vectors via %s', (_name, provider) => {
  const ours = casesBySuite(cases, async (c) => check(await suiteOf(provider), c));

  it('negative control: a flipped confirmation_key byte fails the tag', async () => {
    const valid = ours[0]!;
    await expect(check(await suiteOf(provider), { ...valid, confirmation_key: flipHexByte(valid.confirmation_key, 0) })).rejects.toThrow();
  });
  it('negative control: a flipped interim hash byte fails', async () => {
    const valid = ours[0]!;
    const bad = { ...valid, interim_transcript_hash_before: flipHexByte(valid.interim_transcript_hash_before, 0) };
    await expect(check(await suiteOf(provider), bad)).rejects.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { runPassiveClient, type PassiveClientCase } from './passive-client.ts';
import { PROVIDERS, casesBySuite, flipHexByte, loadVectors, suiteOf } from './vectors.ts';

const cases = loadVectors<PassiveClientCase>('passive-client-welcome.json');

describe.each(PROVIDERS)('RFC 9420 passive-client-welcome vectors via %s', (_name, provider) => {
  const ours = casesBySuite(cases, async (c) => runPassiveClient(await suiteOf(provider), c), 60_000);
  it('negative control: a flipped byte in the Welcome fails the join', async () => {
    const valid = ours[0]!;
    await expect(runPassiveClient(await suiteOf(provider), { ...valid, welcome: flipHexByte(valid.welcome, -1) })).rejects.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { runPassiveClient, type PassiveClientCase } from './passive-client.ts';
import { PROVIDERS, casesBySuite, flipHexByte, loadVectors, suiteOf } from './vectors.ts';

const cases = loadVectors<PassiveClientCase>('passive-client-handling-commit.json');

describe.each(PROVIDERS)('RFC 9420 passive-client-handling-commit vectors via %s', (_name, provider) => {
  const ours = casesBySuite(cases, async (c) => runPassiveClient(await suiteOf(provider), c), 60_000);
  it('negative control: a flipped byte in the first commit fails', async () => {
    const valid = ours.find((c) => c.epochs.length > 0)!;
    const [first, ...rest] = valid.epochs;
    const bad = { ...valid, epochs: [{ ...first!, commit: flipHexByte(first!.commit, -1) }, ...rest] };
    await expect(runPassiveClient(await suiteOf(provider), bad)).rejects.toThrow();
  });
});

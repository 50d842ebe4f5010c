// Run as its own Node process by run-isolated.ts, never imported: each scenario hands this
// package's MLS functions an input that, unguarded, makes ts-mls spin forever or makes V8
// abort the process — neither of which a test in the runner's own process could survive.
// Prints one JSON line: {"outcome":"refused","code",…} | {"outcome":"accepted"} | {"outcome":"threw",…}.
import { CandorError } from '@candor/protocol';
import { groupInfoForExternalJoin, joinByExternalCommit } from '../../src/mls/external-join.ts';
import { joinFromWelcome } from '../../src/mls/welcome-join.ts';
import { craftedWelcome, treeWithUnmergedLeaf } from './crafted-welcome.ts';
import { testWorld } from './devices.ts';

const scenarios: Record<string, () => Promise<unknown>> = {
  /** A Welcome whose tree lists an unmerged leaf far beyond its two leaves. */
  async 'welcome-unmerged-leaf-beyond-tree'() {
    const w = await testWorld();
    const victim = await w.device('victim').keyPackage();
    const welcome = await craftedWelcome(w.suite, w.device('mallory'), victim, treeWithUnmergedLeaf(1000));
    return joinFromWelcome(w.suite, w.config, welcome, async (ref) => (ref === victim.ref ? victim : undefined));
  },
  /** An external commit with resync by a device that was never in the group. */
  async 'resync-without-own-leaf'() {
    const w = await testWorld();
    const [alice] = await w.group([w.device('alice')]);
    const groupInfo = await groupInfoForExternalJoin(w.suite, alice!);
    return joinByExternalCommit(w.suite, w.config, groupInfo, await w.device('bob').keyPackage(), { resync: true });
  },
};

const name = process.argv[2] ?? '';
const run = scenarios[name];
if (!run) {
  console.log(JSON.stringify({ outcome: 'threw', name: 'Error', message: `no scenario ${name}` }));
} else {
  try {
    await run();
    console.log(JSON.stringify({ outcome: 'accepted' }));
  } catch (e) {
    console.log(
      JSON.stringify(
        e instanceof CandorError
          ? { outcome: 'refused', code: e.code, message: e.message }
          : { outcome: 'threw', name: (e as Error).name, message: (e as Error).message },
      ),
    );
  }
}

// What validating a commit costs the server (docs/protocol.md §5.1): validatePublicCommit of an
// add-one commit (and, for comparison, a remove-one commit, which carries an update path) in
// groups of 2, 50 and 200 members, on this machine, one core; "cold" decodes the stored GroupInfo
// first, "warm" starts from the public state the server kept from the group's previous commit.
// Run:
//   node --import tsx --conditions candor-source packages/crypto/bench/public-commit-cost.ts
import { fromBase64Url } from '@candor/protocol'
import { clientConfigWith } from '../src/directory-authentication.ts'
import { generateDeviceKey } from '../src/device-key.ts'
import { getSuite } from '../src/ciphersuite.ts'
import { nodeCryptoProvider } from '../src/node/index.ts'
import { commitChanges } from '../src/mls/group-commit.ts'
import { startGroup } from '../src/mls/group-create.ts'
import { groupInfoForExternalJoin } from '../src/mls/external-join.ts'
import { decodeKeyPackage, newKeyPackage } from '../src/mls/key-package.ts'
import { validatePublicCommit } from '../src/mls/public-commit.ts'
import { loadPublicGroup } from '../src/mls/public-group.ts'

const suite = await getSuite(nodeCryptoProvider())
const config = clientConfigWith({ validateCredential: async () => true })
let n = 0
const kp = async () => newKeyPackage(suite, { userId: `u${++n}`, deviceId: `d${n}`, ...generateDeviceKey() }, false)
const pub = async () => decodeKeyPackage(fromBase64Url((await kp()).publicPackage)!)

async function time(runs: number, f: () => Promise<unknown>): Promise<{ median: number; min: number }> {
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    await f()
    ms.push(performance.now() - t)
  }
  ms.sort((a, b) => a - b)
  return { median: ms[Math.floor(ms.length / 2)]!, min: ms[0]! }
}

for (const members of [2, 50, 200]) {
  let state = await startGroup(suite, config, crypto.getRandomValues(new Uint8Array(16)), await kp())
  state = (await commitChanges(suite, state, await Promise.all(Array.from({ length: members - 1 }, pub)), [])).state
  // An update by the creator, so the tree has parent nodes as a group that has lived does.
  state = (await commitChanges(suite, state, [], [])).state
  const stored = await groupInfoForExternalJoin(suite, state)
  const add = await commitChanges(suite, state, [await pub()], [])
  const remove = await commitChanges(suite, state, [], [members - 1])
  const kept = loadPublicGroup(stored)
  const a = await time(20, () => validatePublicCommit(suite, stored, add.commit, add.groupInfo, { external: false }))
  const w = await time(20, () => validatePublicCommit(suite, kept, add.commit, add.groupInfo, { external: false }))
  const r = await time(20, () => validatePublicCommit(suite, kept, remove.commit, remove.groupInfo, { external: false }))
  const f = (x: { median: number; min: number }) => `${x.median.toFixed(1)} ms (min ${x.min.toFixed(1)})`
  console.log(
    `${members} members: add-one cold ${f(a)}, warm ${f(w)}; remove-one warm ${f(r)}; ` +
      `stored group info ${stored.length} B, commit ${add.commit.length} B, posted group info ${add.groupInfo.length} B`,
  )
}

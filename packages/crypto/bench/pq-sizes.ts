// Sizes and cost per commit of the two MLS suites Candor speaks (docs/protocol.md §5.0): suite 1
// (X25519) and the post-quantum X-Wing suite (83, provisional). For groups of 16, 128 and 500
// devices made by one mass add: the key package, the mass-add commit, its Welcome and the
// GroupInfo with the tree (against LIMITS.handshakeBytes and the HTTP body limit), the time to
// build that commit, then an update commit (with path) of the creator — its size, the time to
// make it, and a member's time to process it. The trees here are as one mass add leaves them
// (one committed path); "full tree" adds the parent nodes a tree whose every member committed
// once holds (an estimate from the suite's key and hash sizes, printed as such).
// Run (one core of this machine, Node provider):
//   node --import tsx --conditions candor-source packages/crypto/bench/pq-sizes.ts [--json] [--sizes 16,128]
import { fromBase64Url, LIMITS } from '@candor/protocol'
import { clientConfigWith } from '../src/directory-authentication.ts'
import { generateDeviceKey } from '../src/device-key.ts'
import { CLASSIC_SUITE, PQ_SUITE, getSuite, type SuiteName } from '../src/ciphersuite.ts'
import { nodeCryptoProvider } from '../src/node/index.ts'
import { commitChanges } from '../src/mls/group-commit.ts'
import { startGroup } from '../src/mls/group-create.ts'
import { processIncoming } from '../src/mls/incoming-message.ts'
import { decodeKeyPackage, newKeyPackage, type StoredKeyPackage } from '../src/mls/key-package.ts'
import { joinFromWelcome } from '../src/mls/welcome-join.ts'

const args = process.argv.slice(2)
const json = args.includes('--json')
const sizesArg = args[args.indexOf('--sizes') + 1]
const SIZES = args.includes('--sizes') && sizesArg ? sizesArg.split(',').map(Number) : [16, 128, 500]
/** Sizes at which a member joins and times processing a commit (joining a wide PQ tree is slow in pure JS). */
const JOIN_UP_TO = 128

const config = clientConfigWith({ validateCredential: async () => true })
const provider = nodeCryptoProvider()
const KEY = { [CLASSIC_SUITE]: 32, [PQ_SUITE]: 1216 } as const
const HASH = { [CLASSIC_SUITE]: 32, [PQ_SUITE]: 64 } as const

interface Row {
  suite: string
  members: number
  keyPackageBytes: number
  massAdd: { commitBytes: number; welcomeBytes: number; groupInfoBytes: number; ms: number; httpBodyBytes: number; fitsHandshake: boolean; fitsBody: boolean }
  fullTreeGroupInfoBytesEstimate: number
  update?: { commitBytes: number; makeMs: number; processMs: number }
}

const b64len = (n: number) => Math.ceil((n * 4) / 3)

async function run(name: SuiteName, members: number): Promise<Row> {
  const suite = await getSuite(provider, name)
  let n = 0
  const device = () => ({ userId: `u${++n}`, deviceId: `d${n}`, ...generateDeviceKey() })
  const kps: StoredKeyPackage[] = []
  for (let i = 0; i < members; i++) kps.push(await newKeyPackage(suite, device(), false))
  const kpBytes = fromBase64Url(kps[1]!.publicPackage)!.length
  const state0 = await startGroup(suite, config, crypto.getRandomValues(new Uint8Array(16)), kps[0]!)
  const t0 = performance.now()
  const add = await commitChanges(suite, state0, kps.slice(1).map((k) => decodeKeyPackage(fromBase64Url(k.publicPackage)!)), [])
  const addMs = performance.now() - t0
  const welcome = add.welcome!.length
  const body = b64len(add.commit.length) + b64len(add.groupInfo.length) + b64len(welcome) + 200
  // Parent nodes: members − 1; one mass add fills the committer's direct path (≈ log2 members) only.
  const emptyParents = members - 1 - Math.ceil(Math.log2(members))
  const row: Row = {
    suite: name,
    members,
    keyPackageBytes: kpBytes,
    massAdd: {
      commitBytes: add.commit.length,
      welcomeBytes: welcome,
      groupInfoBytes: add.groupInfo.length,
      ms: Math.round(addMs),
      httpBodyBytes: body,
      fitsHandshake: Math.max(add.commit.length, welcome, add.groupInfo.length) <= LIMITS.handshakeBytes,
      fitsBody: body <= LIMITS.httpBodyBytes,
    },
    // Each filled parent: its HPKE key (length-prefixed), parent hash, an empty unmerged-leaves list.
    fullTreeGroupInfoBytesEstimate: add.groupInfo.length + emptyParents * (KEY[name] + 2 + HASH[name] + 1 + 1 + 1),
  }
  if (members <= JOIN_UP_TO) {
    const joiner = kps[members - 1]!
    const { state: member } = await joinFromWelcome(suite, config, add.welcome!, async (ref) => (ref === joiner.ref ? joiner : undefined))
    const t1 = performance.now()
    const update = await commitChanges(suite, add.state, [], [])
    const makeMs = performance.now() - t1
    const t2 = performance.now()
    await processIncoming(suite, member, update.commit)
    const processMs = performance.now() - t2
    row.update = { commitBytes: update.commit.length, makeMs: Math.round(makeMs * 10) / 10, processMs: Math.round(processMs * 10) / 10 }
  }
  return row
}

const rows: Row[] = []
for (const members of SIZES) {
  for (const name of [CLASSIC_SUITE, PQ_SUITE] as const) {
    const r = await run(name, members)
    rows.push(r)
    if (!json) {
      const kb = (x: number) => `${(x / 1024).toFixed(1)} KiB`
      const m = r.massAdd
      process.stdout.write(
        `${name === PQ_SUITE ? 'PQ (83)   ' : 'suite 1   '} n=${String(members).padStart(4)}  key package ${r.keyPackageBytes} B | mass add: commit ${kb(m.commitBytes)}, welcome ${kb(m.welcomeBytes)}, group info ${kb(m.groupInfoBytes)} (full tree ≈ ${kb(r.fullTreeGroupInfoBytesEstimate)}), body ${kb(m.httpBodyBytes)}${m.fitsHandshake && m.fitsBody ? '' : ' OVER LIMIT'}, ${m.ms} ms` +
          (r.update ? ` | update commit ${kb(r.update.commitBytes)}: make ${r.update.makeMs} ms, process ${r.update.processMs} ms` : '') +
          '\n',
      )
    }
  }
}
if (json) process.stdout.write(JSON.stringify({ limits: { handshakeBytes: LIMITS.handshakeBytes, httpBodyBytes: LIMITS.httpBodyBytes }, rows }, null, 2) + '\n')

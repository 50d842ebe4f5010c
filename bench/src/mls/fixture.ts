// A group of `members` devices in which every member has committed once (a full ratchet tree:
// every parent node set, every leaf from a commit), built once per bench run and saved as JSON
// so the Node and the Chromium measurements start from the same state. Browser-safe (only
// @candor/crypto's root entry).
//
// Building it for real would take `members` devices each joining and following every commit.
// Instead one group state is walked forward: for member i, the current state is given member
// i's leaf index, signature key and the private keys of its direct path (every member of a
// full tree holds exactly those), member i commits with a path, and the private keys its
// commit sets are kept. The result is a state any member can be given the same way, and the
// commits it makes and processes are ordinary ones. Either of Candor's suites (the fixture
// names its own).
import {
  CLASSIC_SUITE,
  PQ_SUITE,
  clientConfigWith,
  commitChanges,
  decodeDeviceCredential,
  decodeKeyPackage,
  generateDeviceKey,
  loadState,
  newKeyPackage,
  saveState,
  startGroup,
  type GroupState,
  type MlsConfig,
  type MlsSuite,
  type StoredKeyPackage,
  type SuiteName,
} from '@candor/crypto'
import { fromBase64Url, toBase64Url } from '@candor/protocol'

export interface Fixture {
  /** The group's cipher suite (the classic or the post-quantum one). */
  suite: SuiteName
  members: number
  /** saveState of the group after the last member's commit. */
  state: string
  /** Each member's Ed25519 signature key (base64url), by leaf index. */
  signatureKeys: string[]
  /** The latest private key of every non-blank node (base64url), by node index. */
  nodeKeys: Record<number, string>
  /** Key packages of devices not in the group, to add (the first joins from the Welcome). */
  newcomers: StoredKeyPackage[]
  buildMs: number
}

/** The bench's short names of the two suites (in figure keys, file names and flags). */
export const SUITE_TAGS = { classic: CLASSIC_SUITE, pq: PQ_SUITE } as const satisfies Record<string, SuiteName>
export type SuiteTag = keyof typeof SUITE_TAGS
export const suiteTag = (name: SuiteName): SuiteTag => (name === PQ_SUITE ? 'pq' : 'classic')

/** A credential that names a Candor device is accepted (the bench has no key directory). */
export const benchConfig: MlsConfig = clientConfigWith({
  async validateCredential(credential) {
    return decodeDeviceCredential(credential) !== null
  },
})

const b64 = (b: Uint8Array): string => toBase64Url(b)
const bytes = (s: string): Uint8Array => {
  const b = fromBase64Url(s)
  if (!b) throw new Error('fixture: not base64url')
  return b
}

// RFC 9420 Appendix C tree math.
function level(x: number): number {
  let k = 0
  while ((x >> k) & 1) k++
  return k
}
function rootOf(leaves: number): number {
  const w = 2 * (leaves - 1) + 1
  return (1 << Math.floor(Math.log2(w))) - 1
}
export function directPath(nodeIndex: number, leaves: number): number[] {
  const r = rootOf(leaves)
  const out: number[] = []
  let x = nodeIndex
  while (x !== r) {
    const k = level(x)
    const b = (x >> (k + 1)) & 1
    x = (x | (1 << k)) ^ (b << (k + 1))
    out.push(x)
  }
  return out
}

/** `base` as member `leafIndex` holds it: its signature key and the private keys of its leaf and direct path. */
export function asMember(base: GroupState, f: Pick<Fixture, 'signatureKeys'>, nodeKeys: Map<number, Uint8Array>, leafIndex: number): GroupState {
  const leaves = (base.ratchetTree.length + 1) / 2
  const privateKeys: Record<number, Uint8Array> = {}
  for (const node of [2 * leafIndex, ...directPath(2 * leafIndex, leaves)]) {
    const k = nodeKeys.get(node)
    if (base.ratchetTree[node] !== undefined && k !== undefined) privateKeys[node] = k
  }
  return { ...base, privatePath: { leafIndex, privateKeys }, signaturePrivateKey: bytes(f.signatureKeys[leafIndex]!) }
}

export async function buildFixture(suite: MlsSuite, members: number, newcomers: number, log: (s: string) => void = () => {}): Promise<Fixture> {
  const t0 = performance.now()
  const devices = Array.from({ length: members + newcomers }, () => generateDeviceKey())
  const kps: StoredKeyPackage[] = []
  for (const [i, d] of devices.entries()) kps.push(await newKeyPackage(suite, { userId: `u${i}@bench.test`, deviceId: 'd1', ...d }, false))
  const signatureKeys = devices.slice(0, members).map((d) => b64(d.secretKey))
  const nodeKeys = new Map<number, Uint8Array>()
  const keep = (s: GroupState) => {
    for (const [node, key] of Object.entries(s.privatePath.privateKeys)) nodeKeys.set(Number(node), key)
  }
  let state = await startGroup(suite, benchConfig, new TextEncoder().encode(`bench-mls-${members}`), kps[0]!)
  // Everyone in, in commits of at most 100 adds (no path: adds alone need none).
  for (let i = 1; i < members; i += 100) {
    const batch = kps.slice(i, Math.min(members, i + 100)).map((k) => decodeKeyPackage(bytes(k.publicPackage)))
    state = (await commitChanges(suite, state, batch, [])).state
  }
  keep(state)
  // Leaf keys: every member's own from its key package until its commit replaces it.
  for (let i = 0; i < members; i++) nodeKeys.set(2 * i, bytes(kps[i]!.privatePackage.hpke))
  for (let i = 0; i < members; i++) {
    const out = await commitChanges(suite, asMember(state, { signatureKeys }, nodeKeys, i), [], [])
    state = out.state
    keep(state)
    if ((i + 1) % 100 === 0) log(`fixture ${members}: ${i + 1} commits, ${Math.round(performance.now() - t0)} ms`)
  }
  return {
    suite: suite.name as SuiteName,
    members,
    state: saveState(state),
    signatureKeys,
    nodeKeys: Object.fromEntries([...nodeKeys].map(([k, v]) => [k, b64(v)])),
    newcomers: kps.slice(members),
    buildMs: Math.round(performance.now() - t0),
  }
}

export interface LoadedFixture {
  fixture: Fixture
  base: GroupState
  nodeKeys: Map<number, Uint8Array>
  member(leafIndex: number): GroupState
}

export function loadFixture(f: Fixture): LoadedFixture {
  const base = loadState(f.state, benchConfig)
  const nodeKeys = new Map(Object.entries(f.nodeKeys).map(([k, v]) => [Number(k), bytes(v)]))
  return { fixture: f, base, nodeKeys, member: (i) => asMember(base, f, nodeKeys, i) }
}

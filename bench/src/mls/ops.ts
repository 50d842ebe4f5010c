// The MLS client operations the bench times (issue 18 "MLS on the client"), the same code in
// Node and in Chromium: each repetition starts from the fixture's full group, as one member
// (the committer) and another (the receiver), in the fixture's suite (classic or post-quantum).
// Also the bytes of what those operations put on the wire (issue 18 "Post-quantum by default").
// Browser-safe.
import {
  commitChanges,
  decodeKeyPackage,
  encryptApplication,
  joinFromWelcome,
  processIncoming,
  type GroupState,
  type MlsSuite,
} from '@candor/crypto'
import { fromBase64Url } from '@candor/protocol'
import { benchConfig, loadFixture, suiteTag, type Fixture } from './fixture.ts'

export const OPERATIONS = ['commit', 'process', 'add100', 'commitAfterAdd', 'join', 'encrypt', 'decrypt'] as const
export type Operation = (typeof OPERATIONS)[number]

/** Per operation: wall ms and (where the runtime has it) CPU ms of each repetition. */
export type Timings = Record<Operation, { wallMs: number[]; cpuMs: number[] }>

export interface OpsOptions {
  reps: number
  /** This process's CPU time in ms (process.cpuUsage in Node); none in a browser. */
  cpuMs?: () => number
  log?: (s: string) => void
}

/**
 * Encoded sizes, in bytes, of what the operations make (the same every repetition, but for a
 * few bytes of the varint lengths): one key package as a device uploads it; the commit with a
 * path (the MLSMessage, a PublicMessage); the GroupInfo with the ratchet tree and external_pub
 * that goes with that commit (groupInfoForExternalJoin, which the server stores for external
 * joins); the commit adding 100 devices and its Welcome (the tree inside).
 */
export interface MessageSizes {
  keyPackageBytes: number
  commitBytes: number
  groupInfoBytes: number
  add100CommitBytes: number
  welcomeBytes: number
}

export interface OpsResult {
  timings: Timings
  sizes: MessageSizes
}

const bytes = (s: string): Uint8Array => fromBase64Url(s)!

export async function timeOperations(suite: MlsSuite, f: Fixture, o: OpsOptions): Promise<OpsResult> {
  if (suite.name !== f.suite) throw new Error(`the fixture is in ${f.suite}, not ${suite.name}`)
  const fx = loadFixture(f)
  const n = f.members
  const t = Object.fromEntries(OPERATIONS.map((k) => [k, { wallMs: [] as number[], cpuMs: [] as number[] }])) as Timings
  async function timed<T>(op: Operation, fn: () => Promise<T>): Promise<T> {
    const c0 = o.cpuMs?.() ?? NaN
    const w0 = performance.now()
    const r = await fn()
    t[op].wallMs.push(performance.now() - w0)
    t[op].cpuMs.push((o.cpuMs?.() ?? NaN) - c0)
    return r
  }
  const newcomers = f.newcomers.map((k) => decodeKeyPackage(bytes(k.publicPackage)))
  const plaintext = new TextEncoder().encode('x'.repeat(200))
  const sizes: MessageSizes = { keyPackageBytes: bytes(f.newcomers[0]!.publicPackage).length, commitBytes: NaN, groupInfoBytes: NaN, add100CommitBytes: NaN, welcomeBytes: NaN }
  for (let rep = 0; rep < o.reps; rep++) {
    // A different committer and receiver each time, far apart in the tree.
    const a = (rep * 7919) % n
    const b = (a + Math.floor(n / 2) + rep) % n
    const committer: GroupState = fx.member(a)
    const receiver: GroupState = fx.member(b)
    const c = await timed('commit', () => commitChanges(suite, committer, [], []))
    const processed = await timed('process', () => processIncoming(suite, receiver, c.commit))
    if (processed.kind !== 'handshake' || processed.state.groupContext.epoch !== c.state.groupContext.epoch) throw new Error('the commit did not apply')
    const added = await timed('add100', () => commitChanges(suite, committer, newcomers, []))
    if (!added.welcome) throw new Error('no welcome')
    sizes.commitBytes = c.commit.length
    sizes.groupInfoBytes = c.groupInfo.length
    sizes.add100CommitBytes = added.commit.length
    sizes.welcomeBytes = added.welcome.length
    await timed('commitAfterAdd', () => commitChanges(suite, added.state, [], []))
    const joined = await timed('join', () =>
      joinFromWelcome(suite, benchConfig, added.welcome!, async (ref) => f.newcomers.find((k) => k.ref === ref), { maxLeaves: n + newcomers.length }),
    )
    if (joined.state.groupContext.epoch !== added.state.groupContext.epoch) throw new Error('the join is at another epoch')
    // Application messages: a few per repetition (they are short).
    let sender = c.state
    let reader = processed.state
    for (let m = 0; m < 5; m++) {
      const e = await timed('encrypt', () => encryptApplication(suite, sender, plaintext))
      sender = e.state
      const d = await timed('decrypt', () => processIncoming(suite, reader, e.message))
      if (d.kind !== 'application' || d.plaintext.length !== plaintext.length) throw new Error('the message did not decrypt')
      reader = d.state
    }
    o.log?.(`${suiteTag(f.suite)} ${n} members, rep ${rep + 1}/${o.reps}: commit ${t.commit.wallMs.at(-1)!.toFixed(1)} ms, process ${t.process.wallMs.at(-1)!.toFixed(1)} ms, join ${t.join.wallMs.at(-1)!.toFixed(0)} ms`)
  }
  return { timings: t, sizes }
}

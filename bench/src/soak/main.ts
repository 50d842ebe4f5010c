// `npm run soak [-- --kills N --devices N --inflight N --seed N --min-up-ms MS --max-up-ms MS]`:
// runs the soak (soak-run.ts), prints what it counted at the server's delivery and exits 1 if
// an accepted send was lost or a delivery was sent again against the guarantee (ledger.ts).
import { DUPLICATE_CAUSES, type DuplicateCause } from './ledger.ts'
import { DEFAULT_SOAK, runSoak, type SoakOptions, type SoakReport } from './soak-run.ts'

const FLAGS: Record<string, keyof Omit<SoakOptions, 'log'>> = {
  '--kills': 'kills',
  '--devices': 'devices',
  '--inflight': 'inflight',
  '--seed': 'seed',
  '--min-up-ms': 'minUpMs',
  '--max-up-ms': 'maxUpMs',
  '--drain-ms': 'drainMs',
}

export function parseSoakFlags(argv: readonly string[]): Omit<SoakOptions, 'log'> {
  const o = { ...DEFAULT_SOAK }
  for (let i = 0; i < argv.length; i += 2) {
    const key = FLAGS[argv[i]!]
    const value = Number(argv[i + 1])
    if (!key) throw new Error(`unknown flag ${argv[i]} (known: ${Object.keys(FLAGS).join(', ')})`)
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${argv[i]} needs a whole number, not ${argv[i + 1] ?? 'nothing'}`)
    o[key] = value
  }
  if (o.devices < 2) throw new Error('--devices must be at least 2')
  if (o.maxUpMs < o.minUpMs) throw new Error('--max-up-ms must be at least --min-up-ms')
  return o
}

/** Whether the run kept the guarantee: nothing accepted lost, no forbidden re-delivery. */
export function soakPassed(r: SoakReport): boolean {
  return r.verdict.lost.length === 0 && r.verdict.violations === 0 && r.verdict.kills === r.options.kills
}

export function formatSoakReport(r: SoakReport): string {
  const v = r.verdict
  const causes = (Object.keys(DUPLICATE_CAUSES) as DuplicateCause[]).map((c) => `  ${DUPLICATE_CAUSES[c].text}: ${v.duplicates[c]}`)
  const lostAcks = v.acksLostPerKill.reduce((a, b) => a + b, 0)
  const failures = Object.entries(r.sendFailures).map(([c, n]) => `${c} ${n}`).join(', ') || 'none'
  const refused = Object.entries(v.refused).map(([c, n]) => `${c} ${n}`).join(', ') || 'none'
  return [
    `soak: SQLite, ${r.options.devices} devices, ${r.options.inflight} sends in flight each, seed ${r.options.seed}`,
    `kills: ${v.kills}`,
    `sends: ${v.sends} (message ids in send frames; refused by the server: ${refused}; given up by the SDK: ${failures})`,
    `accepted: ${v.accepted}`,
    `delivered: ${v.delivered} (device, message) deliveries in ${v.deliverFrames} deliver frames`,
    `lost: ${v.lost.length}${v.lost.length ? ` — ${v.lost.slice(0, 5).join('; ')}` : ''}`,
    `duplicates by cause (counted at the server's delivery, before the client's de-duplication):`,
    ...causes,
    `re-deliveries against the guarantee: ${v.violations}`,
    `acks that reached the server but not its database before a kill: ${lostAcks} (at most ${Math.max(0, ...v.acksLostPerKill)} at one kill; the oldest written to the server's socket ${Math.max(0, ...v.oldestLostAckMs)} ms before its kill); acks sent while no server socket was open: ${v.acksNotForwarded}`,
    `left queued at the end: ${r.leftQueued}`,
    `malformed frames: ${v.malformedFrames}`,
    `time: ${r.seconds.toFixed(1)} s`,
    soakPassed(r) ? 'PASS' : 'FAIL',
  ].join('\n')
}

export async function runSoakProgram(argv: readonly string[]): Promise<number> {
  let options
  try {
    options = parseSoakFlags(argv)
  } catch (e) {
    console.error((e as Error).message)
    return 2
  }
  const report = await runSoak({ ...options, log: (line) => console.log(line) })
  console.log(formatSoakReport(report))
  return soakPassed(report) ? 0 : 1
}

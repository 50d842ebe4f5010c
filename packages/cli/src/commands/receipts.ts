// `candor receipts`: who accessed this person's data, when, why — each receipt proven in the
// signed access log and opened with this device's key — and, loudly (exit code 3), a receipt
// the server kept from them that their key-directory entry commits to.
import { CandorClient, type VerifiedReceipt } from '@candor/sdk'
import { CandorError } from '@candor/protocol'
import { clientOptions, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

const day = (t: number): string => new Date(t).toISOString().replace('T', ' ').slice(0, 19)

function describe(r: VerifiedReceipt): string {
  if (!r.receipt) return `#${r.index}  (sealed to another of your devices)`
  const x = r.receipt
  const notice = x.notice.delayedUntil !== null ? `notice delayed until ${day(x.notice.delayedUntil)}` : x.notice.approvedBySubject ? 'approved by you' : 'notified'
  const since = r.inLogSince !== null ? `; seen in the log by this device since ${day(r.inLogSince)}` : ''
  return [
    `#${r.index}  ${day(x.when.from)}  ${x.accessor.role} ${x.accessor.pseudonym} (${x.accessor.org})`,
    `    what: ${x.what.categories.join(', ')}${x.what.resources.length ? ` — ${x.what.resources.join(', ')}` : ''}`,
    `    why:  ${x.why.code}, case ${x.why.caseRef}; ${notice}${since}`,
  ].join('\n')
}

/** `logKey`: the access log's vkey known out of band; checkpoints must be signed by it (and it is pinned). */
export async function receipts(g: GlobalFlags, logKey?: string): Promise<number> {
  const client = await CandorClient.open({ ...(await clientOptions(g)), ...(logKey !== undefined ? { accessLogKey: logKey } : {}) })
  if (!client) throw new CandorError('not_found', `no device in ${g.home}: run "candor register <user>" first`)
  try {
    const { receipts: list, withheld } = await client.checkedReceipts()
    if (g.json) for (const r of list) printJson(r)
    else if (list.length === 0 && !withheld) process.stdout.write('no one else has accessed your data (every receipt is checked against the signed access log)\n')
    else {
      for (const r of list) process.stdout.write(`${describe(r)}\n`)
      process.stdout.write(`${list.length} receipt(s), each proven in the signed access log\n`)
    }
    if (withheld) {
      if (g.json) printJson({ alert: 'receipt_withheld', ...withheld })
      process.stderr.write(`SECURITY ALERT: the server kept an access receipt from you: ${withheld.reason}. Someone accessed your data and the server is hiding it.\n`)
      return 3
    }
  } finally {
    client.close()
  }
  return 0
}

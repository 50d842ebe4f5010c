// `candor consents` shows the consent ledger (every record's signature checked) and what is
// currently given; `candor consent give|withdraw <purpose> <scope>` adds a signed record.
import { CONSENT_PURPOSES, CandorError, type ConsentPurpose } from '@candor/protocol'
import { currentConsents } from '@candor/sdk'
import { openDevice, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

const when = (t: number): string => new Date(t).toISOString().replace('T', ' ').slice(0, 19)

export async function consents(g: GlobalFlags): Promise<number> {
  const client = await openDevice(g)
  try {
    const ledger = await client.consentLedger()
    if (g.json) for (const e of ledger) printJson({ seq: e.seq, ...e.record, signature: e.signature })
    else if (ledger.length === 0) process.stdout.write('no consent records\n')
    else {
      for (const e of ledger) process.stdout.write(`#${e.seq}  ${when(e.record.at)}  ${e.record.state.padEnd(9)} ${e.record.purpose} ${e.record.scope}  (signed by device ${e.record.deviceId})\n`)
      const given = currentConsents(ledger).filter((r) => r.state === 'given')
      process.stdout.write(`currently given: ${given.length ? given.map((r) => `${r.purpose} ${r.scope}`).join(', ') : 'none'}\n`)
    }
  } finally {
    client.close()
  }
  return 0
}

export async function consent(g: GlobalFlags, action: string | undefined, purpose: string | undefined, scope: string | undefined): Promise<number> {
  if ((action !== 'give' && action !== 'withdraw') || !purpose || !scope) {
    throw new CandorError('bad_request', `usage: candor consent give|withdraw <purpose> <scope>; purposes: ${CONSENT_PURPOSES.join(', ')}`)
  }
  if (!(CONSENT_PURPOSES as readonly string[]).includes(purpose)) throw new CandorError('bad_request', `purpose must be one of: ${CONSENT_PURPOSES.join(', ')}`)
  const client = await openDevice(g)
  try {
    const r = await client.consent(purpose as ConsentPurpose, scope, action === 'give' ? 'given' : 'withdrawn')
    if (g.json) printJson(r)
    else process.stdout.write(`${r.state}: ${r.purpose} ${r.scope} (signed by this device)\n`)
  } finally {
    client.close()
  }
  return 0
}

// `candor consents` shows the consent ledger (every record's signature checked), what is
// currently given, and every conversation of this device that has a compliance archive in it
// with the person's own consent to it or its absence; `candor consent give|withdraw <purpose>
// <scope>` adds a signed record.
import { CONSENT_PURPOSES, CandorError, type ConsentPurpose } from '@candor/protocol'
import { currentConsents } from '@candor/sdk'
import { connectedDevice, openDevice, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

const when = (t: number): string => new Date(t).toISOString().replace('T', ' ').slice(0, 19)

export async function consents(g: GlobalFlags): Promise<number> {
  // Connected and synced, so an archive added while this device was offline is shown.
  const client = await connectedDevice(g)
  try {
    const ledger = await client.consentLedger()
    const archives = await client.archiveConsents(ledger)
    if (g.json) {
      for (const e of ledger) printJson({ seq: e.seq, ...e.record, signature: e.signature })
      for (const a of archives) printJson({ archive: a })
    } else {
      if (ledger.length === 0) process.stdout.write('no consent records\n')
      for (const e of ledger) process.stdout.write(`#${e.seq}  ${when(e.record.at)}  ${e.record.state.padEnd(9)} ${e.record.purpose} ${e.record.scope}  (signed by device ${e.record.deviceId})\n`)
      const given = currentConsents(ledger).filter((r) => r.state === 'given')
      if (ledger.length > 0) process.stdout.write(`currently given: ${given.length ? given.map((r) => `${r.purpose} ${r.scope}`).join(', ') : 'none'}\n`)
      for (const a of archives) {
        const yours = a.consent === 'none' ? 'you have NOT consented (someone else added it)' : a.consent === 'given' ? 'you consented' : 'you withdrew your consent'
        process.stdout.write(`compliance archive in ${a.conversation}: ${a.archives.join(', ')} — ${yours}\n`)
      }
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

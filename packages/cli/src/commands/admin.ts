// `candor admin …`: the admin API from the admin's own device. Every inspection, export and
// suspension names --why and --case, and leaves a receipt to the person concerned.
import { writeFile } from 'node:fs/promises'
import { ADMIN_ROLES, CandorError, JUSTIFICATIONS, type AccessReason, type AdminRole, type Justification } from '@candor/protocol'
import { openDevice, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

export interface AdminFlags {
  why: string | undefined
  case: string | undefined
  delayUntil: string | undefined
  org: string | undefined
  role: string | undefined
  out: string | undefined
  /** A second admin's approval of this call (two-person control). */
  approval?: string | undefined
}

export const ADMIN_USAGE = `  candor --home DIR admin enrol <token> [--org ORG]     become the first admin (token printed by serve)
  candor --home DIR admin user <user> --why CODE --case REF [--delay-until DATE]   account metadata
  candor --home DIR admin devices <user> --why CODE --case REF      a user's devices
  candor --home DIR admin export <user> --why CODE --case REF [--out FILE]   server-held metadata
  candor --home DIR admin suspend <deviceId> --why CODE --case REF  take a device out at once
  candor --home DIR admin grant <user> --role ROLE [--org ORG]      give a role in the person's organisation
  candor --home DIR admin revoke <user> --why CODE --case REF       take it away (never the last operator)
    Where the organisation's policy asks for a second admin's approval: add --approval ID (candor org request / approve).
    ROLE: ${ADMIN_ROLES.join(' | ')} (docs/organisations.md: who may grant which)
    CODE: ${JUSTIFICATIONS.join(' | ')}`

export function reason(f: Pick<AdminFlags, 'why' | 'case' | 'delayUntil' | 'approval'>): AccessReason {
  if (!f.why || !(JUSTIFICATIONS as readonly string[]).includes(f.why)) {
    throw new CandorError('bad_request', `--why must be one of: ${JUSTIFICATIONS.join(', ')}`)
  }
  if (!f.case) throw new CandorError('bad_request', '--case REF is required (the ticket, order or case this access is for)')
  let delayUntil: number | undefined
  if (f.delayUntil !== undefined) {
    delayUntil = /^\d+$/.test(f.delayUntil) ? Number(f.delayUntil) : Date.parse(f.delayUntil)
    if (!Number.isFinite(delayUntil)) throw new CandorError('bad_request', '--delay-until must be a date (2027-01-31) or ms since the epoch')
  }
  return { why: f.why as Justification, case: f.case, ...(delayUntil !== undefined ? { delayUntil } : {}), ...(f.approval !== undefined ? { approval: f.approval } : {}) }
}

export async function admin(g: GlobalFlags, sub: string | undefined, args: string[], f: AdminFlags): Promise<number> {
  const arg = (what: string): string => {
    if (!args[0]) throw new CandorError('bad_request', `missing ${what}\n\n${ADMIN_USAGE}`)
    return args[0]
  }
  const client = await openDevice(g)
  const show = (value: unknown, text: string) => (g.json ? printJson(value) : process.stdout.write(`${text}\n`))
  try {
    switch (sub) {
      case 'enrol': {
        const rec = await client.admin.enrol(arg('token'), f.org)
        show(rec, `${rec.userId} is now an admin (${rec.role}, ${rec.org})`)
        return 0
      }
      case 'user': {
        const u = await client.admin.user(arg('user'), reason(f))
        const devices = u.devices.map((d) => `  ${d.deviceId}  ${d.status.padEnd(8)} ${d.name}`).join('\n')
        show(u, `${u.userId}: first seen ${u.firstSeen ? new Date(u.firstSeen).toISOString() : '-'}, ${u.conversations} conversation(s)\n${devices}\n(a receipt of this access was logged to ${u.userId})`)
        return 0
      }
      case 'devices': {
        const list = await client.admin.devices(arg('user'), reason(f))
        if (g.json) for (const d of list) printJson(d)
        else for (const d of list) process.stdout.write(`${d.deviceId}  ${d.status.padEnd(8)} ${d.name}\n`)
        return 0
      }
      case 'export': {
        const data = await client.admin.exportMetadata(arg('user'), reason(f))
        if (f.out) {
          await writeFile(f.out, `${JSON.stringify(data, null, 2)}\n`)
          if (!g.json) process.stdout.write(`wrote ${f.out} (${data.devices.length} devices, ${data.conversations.length} conversations)\n`)
        } else printJson(data)
        return 0
      }
      case 'suspend': {
        const d = await client.admin.suspendDevice(arg('device id'), reason(f))
        show(d, `suspended ${d.deviceId} of ${d.userId} (a receipt was logged to ${d.userId})`)
        return 0
      }
      case 'grant': {
        if (!f.role || !(ADMIN_ROLES as readonly string[]).includes(f.role)) {
          throw new CandorError('bad_request', `--role must be one of: ${ADMIN_ROLES.join(', ')}`)
        }
        const rec = await client.admin.grant(arg('user'), f.role as AdminRole, f.org)
        show(rec, `${rec.userId} is now an admin (${rec.role}, ${rec.org})`)
        return 0
      }
      case 'revoke': {
        const rec = await client.admin.revoke(arg('user'), reason(f))
        show(rec, `${rec.userId} is no longer an admin (was ${rec.role}, ${rec.org}; a receipt was logged to ${rec.userId})`)
        return 0
      }
      default:
        throw new CandorError('bad_request', `unknown admin command "${sub ?? ''}"\n\n${ADMIN_USAGE}`)
    }
  } finally {
    client.close()
  }
}

// `candor org held-devices <org>`, `candor org approve-device|decline-device <org> <deviceId>
// --why CODE --case REF`: devices the organisation's policy holds for an admin's approval
// (devices.adminApproval, docs/organisations.md "Policies"). Approving or declining one logs a
// receipt to its person first, and an entry in the organisation's audit trail.
import { CandorError, type AccessReason } from '@candor/protocol'
import type { CandorClient } from '@candor/sdk'
import type { GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

export const ORG_DEVICES_USAGE = `  candor --home DIR org held-devices <org>                          devices held for an admin's approval (devices.adminApproval)
  candor --home DIR org approve-device <org> <deviceId> --why CODE --case REF
                                                                    let a held device sign in (logged to its person)
  candor --home DIR org decline-device <org> <deviceId> --why CODE --case REF
                                                                    revoke a held device instead`

export async function orgDevices(client: CandorClient, g: GlobalFlags, sub: 'held-devices' | 'approve-device' | 'decline-device', org: string, args: string[], r: () => AccessReason): Promise<number> {
  if (sub === 'held-devices') {
    const { devices } = await client.admin.heldDevices(org)
    if (g.json) for (const d of devices) printJson(d)
    else process.stdout.write(devices.length ? `${devices.map((d) => `${d.deviceId}  ${d.userId}  "${d.name}"  since ${new Date(d.createdAt).toISOString()}`).join('\n')}\n` : '(no devices held)\n')
    return 0
  }
  const deviceId = args[0]
  if (!deviceId) throw new CandorError('bad_request', `missing device id\n\n${ORG_DEVICES_USAGE}`)
  const verdict = sub === 'approve-device' ? 'approve' : 'decline'
  const d = await client.admin.approveDevice(org, deviceId, r(), verdict)
  if (g.json) printJson(d)
  else process.stdout.write(verdict === 'approve' ? `approved ${d.deviceId} of ${d.userId}: it may sign in now (a receipt was logged to them)\n` : `declined ${d.deviceId} of ${d.userId}: revoked (a receipt was logged to them)\n`)
  return 0
}

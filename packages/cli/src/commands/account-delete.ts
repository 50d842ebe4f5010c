// `candor account delete --yes`: leaves every conversation, erases the account on the server
// and prints the signed, logged deletion receipt (also kept in the home folder).
import { CandorError } from '@candor/protocol'
import { connectedDevice, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

export async function accountDelete(g: GlobalFlags, sub: string | undefined, yes: boolean): Promise<number> {
  if (sub !== 'delete') throw new CandorError('bad_request', 'usage: candor account delete --yes')
  if (!yes) {
    throw new CandorError('bad_request', 'this erases your account, its devices and everything the server holds about it; add --yes to go ahead')
  }
  const client = await connectedDevice(g)
  try {
    const r = await client.deleteAccount()
    if (g.json) printJson({ deleted: client.userId, index: r.index, erased: r.erased, receipt: r.receipt, checkpoint: r.checkpoint, proof: r.proof })
    else {
      process.stdout.write(`erased ${client.userId}: ${r.erased.devices} device(s), ${r.erased.keyPackages} key package(s), ${r.erased.queued} queued message(s), ${r.erased.memberships} group membership(s)\n`)
      process.stdout.write(`deletion receipt (signed by the server, access log entry #${r.index}, checked):\n${r.receipt}`)
    }
  } finally {
    client.close()
  }
  return 0
}

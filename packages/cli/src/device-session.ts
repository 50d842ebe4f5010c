// Opens the device kept in a home folder. The server URL is remembered in the home after the
// first command that names it, so later commands need only --home.
import { CandorClient, sessionEndedText, type ClientOptions, type SecurityAlert } from '@candor/sdk'
import { FileLocalStore, nodeClientOptions } from '@candor/sdk/node'
import { CandorError } from '@candor/protocol'

export interface GlobalFlags {
  server: string | undefined
  home: string
  json: boolean
}

export async function clientOptions(g: GlobalFlags): Promise<ClientOptions> {
  const store = new FileLocalStore(g.home)
  const remembered = await store.get('cli/server')
  const server = g.server ?? remembered
  if (!server) throw new CandorError('bad_request', 'no server: pass --server URL or set CANDOR_SERVER')
  if (server !== remembered) await store.put('cli/server', server)
  return nodeClientOptions(server, g.home)
}

export async function openDevice(g: GlobalFlags): Promise<CandorClient> {
  const client = await CandorClient.open(await clientOptions(g))
  if (!client) throw new CandorError('not_found', `no device in ${g.home}: run "candor register <user>" first`)
  return client
}

/** Opens, connects and syncs; the caller closes. */
export async function connectedDevice(g: GlobalFlags): Promise<CandorClient> {
  const client = await openDevice(g)
  client.on('error', (e) => process.stderr.write(`warning: ${e.where}: ${(e.error as Error).message ?? String(e.error)}\n`))
  client.on('alert', (a) => process.stderr.write(`SECURITY ALERT: ${alertLine(a)}\n`))
  client.on('session_ended', (e) => process.stderr.write(`${sessionEndedText(e.reason)}\n`))
  await client.connect()
  return client
}

function alertLine(a: SecurityAlert): string {
  switch (a.kind) {
    case 'unknown_device':
      return `your account has a device none of your devices approved (${a.deviceId}); if it is not yours, revoke it`
    case 'unverified_device':
      return `a device of ${a.userId} (${a.deviceId}) is not proven by the key directory; it was not given access`
    case 'receipt_withheld':
      return `the server is keeping an access receipt from you: ${a.reason}`
    case 'split_view':
      return `the server showed ${a.userId} (device ${a.deviceId}) a different ${a.log === 'directory' ? 'key directory' : 'access log'} from yours: ${a.reason}`
    case 'org_audit_fork':
      return `the server rewrote the audit trail of your organisation ${a.org}: ${a.served.size} entries that do not extend the ${a.remembered.size} this device saw; its policy is refused`
  }
}

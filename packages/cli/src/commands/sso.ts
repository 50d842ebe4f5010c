// Single sign-on from the CLI: the device flow (RFC 8628). `candor register --org ORG` of an
// organisation that requires SSO prints a URL and a code, waits until the person signed in at
// the organisation's identity provider, and registers the user id it vouched for; `enrol
// --sso` and `sso-login` do the same for a further device and for a session that needs a new
// sign-in (logged out at the provider, or past the re-authentication interval).
import { CandorClient } from '@candor/sdk'
import { CandorError, type SsoDeviceStartResponse, type SsoSignInResponse } from '@candor/protocol'
import { clientOptions, openDevice, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

function prompt(g: GlobalFlags, org: string) {
  return (p: SsoDeviceStartResponse) => {
    const line = `To sign in with ${org}, open ${p.verificationUri} and enter the code ${p.userCode}\n${p.verificationUriComplete ? `  (or open ${p.verificationUriComplete})\n` : ''}waiting for the sign-in…\n`
    // With --json the prompt goes to stderr, so stdout stays one JSON answer.
    ;(g.json ? process.stderr : process.stdout).write(line)
  }
}

export async function deviceSignIn(g: GlobalFlags, org: string): Promise<SsoSignInResponse> {
  const signedIn = await CandorClient.ssoDeviceSignIn(await clientOptions(g), org, prompt(g, org))
  if (!g.json) process.stdout.write(`signed in at ${org}'s identity provider as ${signedIn.email}\n`)
  return signedIn
}

/** The user id of a sign-in, checked against the one the person typed (if any). */
function userOf(typed: string | undefined, s: SsoSignInResponse): string {
  if (typed !== undefined && typed !== s.userId) throw new CandorError('forbidden', `you signed in as ${s.userId}, not ${typed}`)
  return s.userId
}

export async function registerWithSso(g: GlobalFlags, typed: string | undefined, deviceName: string, org: string): Promise<number> {
  const s = await deviceSignIn(g, org)
  const userId = userOf(typed, s)
  if (s.registered) throw new CandorError('user_exists', `${userId} is registered already: add this device with candor enrol ${userId} --org ${org} --sso`)
  const client = await CandorClient.register(await clientOptions(g), userId, deviceName, org, s.ticket)
  if (g.json) printJson({ userId: client.userId, deviceId: client.deviceId, org })
  else process.stdout.write(`registered ${client.userId}, device ${client.deviceId}\n`)
  client.close()
  return 0
}

export async function enrolWithSso(g: GlobalFlags, typed: string, deviceName: string, org: string): Promise<CandorClient> {
  const s = await deviceSignIn(g, org)
  return CandorClient.enrol(await clientOptions(g), userOf(typed, s), deviceName, s.ticket)
}

export async function ssoLogin(g: GlobalFlags, org: string): Promise<number> {
  const client = await openDevice(g)
  try {
    const s = await deviceSignIn(g, org)
    userOf(client.userId, s)
    await client.renewSso(s.ticket)
    if (g.json) printJson({ userId: client.userId, signedIn: true })
    else process.stdout.write(`${client.userId}: signed in again\n`)
  } finally {
    client.close()
  }
  return 0
}

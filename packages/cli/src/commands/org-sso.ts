// `candor org sso …`: an organisation's single sign-on settings from its owner's or admin's
// device. The client secret is read from the environment (CANDOR_SSO_CLIENT_SECRET), never from
// the command line (other users of the machine can read a process's arguments); left unset, the
// stored secret is kept.
import { CandorError, type SsoSettingsResponse } from '@candor/protocol'
import type { CandorClient } from '@candor/sdk'
import type { GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

export const SSO_SECRET_ENV = 'CANDOR_SSO_CLIENT_SECRET'

export const ORG_SSO_USAGE = `  candor --home DIR org sso <org>                                   its identity provider (never the secret)
  candor --home DIR org sso <org> set <issuer> <client-id> <domain[,domain…]> required|optional <reauth-minutes> [<groups-claim>]
                                                                    set it; the client secret from ${SSO_SECRET_ENV}`

function describe(r: SsoSettingsResponse): string {
  const s = r.sso
  if (!s) return `${r.org}: no single sign-on`
  return [
    `${r.org}: single sign-on ${s.requireSso ? 'required' : 'optional'}`,
    `  issuer ${s.issuer}, client ${s.clientId} (secret set)`,
    `  email domains ${s.allowedDomains.join(', ')}; groups claim ${s.groupsClaim ?? '(none)'}; sign in again every ${s.reauthMinutes} minutes`,
    `  redirect URI ${s.redirectUri}`,
    `  back-channel logout URI ${s.backchannelLogoutUri}`,
  ].join('\n')
}

export async function orgSso(client: CandorClient, g: GlobalFlags, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const org = args[0]
  if (!org) throw new CandorError('bad_request', `missing organisation id\n\n${ORG_SSO_USAGE}`)
  let r: SsoSettingsResponse
  if (args[1] === undefined) r = await client.admin.ssoSettings(org)
  else if (args[1] === 'set') {
    const [issuer, clientId, domains, mode, minutes, groupsClaim] = args.slice(2)
    if (!issuer || !clientId || !domains || !mode || !minutes) throw new CandorError('bad_request', `missing settings\n\n${ORG_SSO_USAGE}`)
    if (mode !== 'required' && mode !== 'optional') throw new CandorError('bad_request', 'the mode must be required or optional')
    const reauthMinutes = Number(minutes)
    if (!Number.isSafeInteger(reauthMinutes)) throw new CandorError('bad_request', 'reauth-minutes must be a whole number')
    const secret = env[SSO_SECRET_ENV]
    r = await client.admin.setSso(org, {
      issuer,
      clientId,
      ...(secret ? { clientSecret: secret } : {}),
      allowedDomains: domains.split(','),
      requireSso: mode === 'required',
      reauthMinutes,
      groupsClaim: groupsClaim ?? null,
    })
  } else throw new CandorError('bad_request', `unknown "org sso ${args[1]}"\n\n${ORG_SSO_USAGE}`)
  if (g.json) printJson(r)
  else process.stdout.write(`${describe(r)}\n`)
  return 0
}

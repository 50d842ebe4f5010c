// `candor org …`: the organisations API from an admin's own device (docs/organisations.md). The
// operator creates organisations and records their verified domains; an organisation's admins
// see it, its people and their roles, set its sign-up and grant roles, as their role allows.
import { ADMIN_ROLES, CandorError, SIGNUP_MODES, type AdminRole, type OrganisationInfo, type ScimTokenInfo, type SignupMode } from '@candor/protocol'
import type { CandorClient } from '@candor/sdk'
import { openDevice, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'
import { reason } from './admin.ts'
import { ORG_SSO_USAGE, orgSso } from './org-sso.ts'
import { ORG_AUDIT_USAGE, orgApprovals, orgAudit, orgPolicy, orgSiem } from './org-audit.ts'
import { ORG_DEVICES_USAGE, orgDevices } from './org-devices.ts'

export interface OrgFlags {
  name: string | undefined
  signup: string | undefined
  why: string | undefined
  case: string | undefined
  delayUntil: string | undefined
  jsonl?: boolean
  from?: string | undefined
  approval?: string | undefined
}

export const ORG_USAGE = `  candor --home DIR org create <org> --name NAME [--signup open|guests|closed]   a new organisation (operator;
                                                                    sign-up closed unless --signup)
  candor --home DIR org show <org>                                  name, sign-up and verified domains
  candor --home DIR org domains <org> [add <domain>]                list, or record a domain the operator verified
  candor --home DIR org signup <org> open|guests|closed             who may register through its sign-up
  candor --home DIR org people <org>                                its members and guests, with their roles
  candor --home DIR org roles <org>                                 who holds which role
  candor --home DIR org grant <org> <user> <role>                   give a person of the organisation a role
  candor --home DIR org revoke <user> --why CODE --case REF         take a person's role away (logged to them)
  candor --home DIR org scim-token <org>                            a SCIM provisioning token (owner; shown once)
  candor --home DIR org scim-token <org> list                       its SCIM tokens, without their secrets
  candor --home DIR org scim-token <org> revoke <token-id>          revoke one (it stops working at once)
  candor --home DIR org link-conversation <org> <conversation> <scim-group-id>
                                                                    its membership follows the SCIM group (you are in it;
                                                                    conversations.link)
  candor --home DIR org unlink-conversation <org> <conversation>    it no longer follows a group
  candor --home DIR org links <org>                                 the organisation's linked conversations
${ORG_SSO_USAGE}
${ORG_AUDIT_USAGE}
${ORG_DEVICES_USAGE}`

function signupMode(v: string | undefined, what: string): SignupMode {
  if (!v || !(SIGNUP_MODES as readonly string[]).includes(v)) throw new CandorError('bad_request', `${what} must be one of: ${SIGNUP_MODES.join(', ')}`)
  return v as SignupMode
}

const describe = (o: OrganisationInfo) => `${o.id}: ${o.name}; sign-up ${o.signup}; domains: ${o.domains.length ? o.domains.join(', ') : '(none)'}`

async function everyone(client: CandorClient, org: string) {
  const all = []
  let after: string | undefined
  for (;;) {
    const page = await client.admin.members(org, after)
    all.push(...page.members)
    if (page.next === null) return all
    after = page.next
  }
}

export async function org(g: GlobalFlags, sub: string | undefined, args: string[], f: OrgFlags): Promise<number> {
  const at = (i: number, what: string): string => {
    const v = args[i]
    if (!v) throw new CandorError('bad_request', `missing ${what}\n\n${ORG_USAGE}`)
    return v
  }
  const client = await openDevice(g)
  const show = (value: unknown, text: string) => (g.json ? printJson(value) : process.stdout.write(`${text}\n`))
  try {
    switch (sub) {
      case 'create': {
        if (!f.name) throw new CandorError('bad_request', '--name NAME is required (the organisation’s name)')
        const o = await client.admin.createOrganisation(at(0, 'organisation id'), f.name, f.signup === undefined ? undefined : signupMode(f.signup, '--signup'))
        show(o, `created ${describe(o)}`)
        return 0
      }
      case 'sso':
        return await orgSso(client, g, args, process.env)
      case 'audit':
        return await orgAudit(client, g, at(0, 'organisation id'), { jsonl: f.jsonl === true, from: f.from })
      case 'request':
        return await orgApprovals(client, g, 'request', at(0, 'organisation id'), args.slice(1), reason(f))
      case 'approvals':
      case 'approve':
      case 'decline':
        return await orgApprovals(client, g, sub, at(0, 'organisation id'), args.slice(1))
      case 'held-devices':
      case 'approve-device':
      case 'decline-device':
        return await orgDevices(client, g, sub, at(0, 'organisation id'), args.slice(1), () => reason(f))
      case 'policy':
        return await orgPolicy(client, g, at(0, 'organisation id'), args.slice(1))
      case 'siem':
        return await orgSiem(client, g, at(0, 'organisation id'), args.slice(1))
      case 'show': {
        const o = await client.admin.organisation(at(0, 'organisation id'))
        show(o, describe(o))
        return 0
      }
      case 'domains': {
        const id = at(0, 'organisation id')
        if (args[1] === undefined) {
          const o = await client.admin.organisation(id)
          if (g.json) printJson({ org: o.id, domains: o.domains })
          else process.stdout.write(o.domains.length ? `${o.domains.join('\n')}\n` : '(no verified domains)\n')
          return 0
        }
        if (args[1] !== 'add') throw new CandorError('bad_request', `unknown "org domains ${args[1]}"\n\n${ORG_USAGE}`)
        const r = await client.admin.addDomain(id, at(2, 'domain'))
        const note = r.elsewhere > 0 ? `; ${r.elsewhere} person(s) of it signed up elsewhere before and stay there` : ''
        show(r, `${describe(r.organisation)}${note}`)
        return 0
      }
      case 'signup': {
        const o = await client.admin.setSignup(at(0, 'organisation id'), signupMode(at(1, 'sign-up mode'), 'the sign-up mode'))
        show(o, describe(o))
        return 0
      }
      case 'people':
      case 'roles': {
        const people = await everyone(client, at(0, 'organisation id'))
        const shown = sub === 'roles' ? people.filter((p) => p.role !== null) : people
        if (g.json) for (const p of shown) printJson(p)
        else for (const p of shown) process.stdout.write(`${p.userId}${p.guest ? '  (guest)' : ''}${p.role ? `  ${p.role}` : ''}\n`)
        return 0
      }
      case 'grant': {
        const role = at(2, 'role')
        if (!(ADMIN_ROLES as readonly string[]).includes(role)) throw new CandorError('bad_request', `the role must be one of: ${ADMIN_ROLES.join(', ')}`)
        const rec = await client.admin.grant(at(1, 'user'), role as AdminRole, at(0, 'organisation id'))
        show(rec, `${rec.userId} is now ${rec.role} of ${rec.org}`)
        return 0
      }
      case 'revoke': {
        // A person holds one role, in their own organisation: the user names it.
        const rec = await client.admin.revoke(at(0, 'user'), reason(f))
        show(rec, `${rec.userId} is no longer ${rec.role} of ${rec.org} (a receipt was logged to them)`)
        return 0
      }
      case 'scim-token': {
        const id = at(0, 'organisation id')
        const line = (t: ScimTokenInfo) => `${t.id}  created ${new Date(t.createdAt).toISOString()} by ${t.createdBy}${t.revokedAt !== null ? `  revoked ${new Date(t.revokedAt).toISOString()}` : ''}`
        if (args[1] === undefined) {
          const t = await client.admin.createScimToken(id)
          show(t, `SCIM token ${t.id} of ${id} (shown this once: give it to the identity provider as its bearer token for /scim/v2):\n${t.token}`)
          return 0
        }
        if (args[1] === 'list') {
          const tokens = await client.admin.scimTokens(id)
          if (g.json) for (const t of tokens) printJson(t)
          else process.stdout.write(tokens.length ? `${tokens.map(line).join('\n')}\n` : '(no SCIM tokens)\n')
          return 0
        }
        if (args[1] === 'revoke') {
          const t = await client.admin.revokeScimToken(id, at(2, 'token id'))
          show(t, `revoked ${line(t)}`)
          return 0
        }
        throw new CandorError('bad_request', `unknown "org scim-token ${args[1]}"\n\n${ORG_USAGE}`)
      }
      case 'link-conversation': {
        const l = await client.linkToDirectory(at(0, 'organisation id'), at(1, 'conversation id'), at(2, 'SCIM group id'))
        show(l, `${l.groupId} follows the SCIM group ${l.scimGroupId} (${l.displayName}): people it gains are added, people it loses removed`)
        return 0
      }
      case 'unlink-conversation': {
        const conversation = at(1, 'conversation id')
        await client.unlinkFromDirectory(at(0, 'organisation id'), conversation)
        show({ conversation, unlinked: true }, `${conversation} no longer follows a SCIM group`)
        return 0
      }
      case 'links': {
        const links = await client.admin.directoryLinks(at(0, 'organisation id'))
        if (g.json) for (const l of links) printJson(l)
        else process.stdout.write(links.length ? `${links.map((l) => `${l.groupId}  ${l.scimGroupId} (${l.displayName})  linked by ${l.linkedBy} ${new Date(l.linkedAt).toISOString()}`).join('\n')}\n` : '(no linked conversations)\n')
        return 0
      }
      default:
        throw new CandorError('bad_request', `unknown org command "${sub ?? ''}"\n\n${ORG_USAGE}`)
    }
  } finally {
    client.close()
  }
}

// `candor org audit <org> [--jsonl] [--from N]`: the organisation's audit trail, every entry
// checked on this device against a checkpoint signed by the pinned access-log key (inclusion and
// consistency proofs, docs/organisations.md §Audit trail). `candor org siem <org> [set FILE|off]`:
// where the trail is streamed.
import { readFileSync } from 'node:fs'
import { CandorError, type AccessReason, type ApprovalInfo, type OrgPolicy } from '@candor/protocol'
import type { CandorClient, VerifiedAuditEntry } from '@candor/sdk'
import type { GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'
import { ORG_POLICY_HISTORY_USAGE, orgPolicyHistory } from './org-policy-history.ts'

export const ORG_AUDIT_USAGE = `  candor --home DIR org audit <org> [--jsonl] [--from N]           its audit trail, proofs checked here (owner, auditor,
                                                                    compliance officer); --jsonl: one JSON entry a line
  candor --home DIR org request <org> users.read|users.export|devices.suspend <user|deviceId> --why CODE --case REF [--delay-until DATE]
                                                                    ask a second admin to approve a sensitive action
  candor --home DIR org approvals <org>                             its open requests (pending, or approved and unused)
  candor --home DIR org approve <org> <id>                          approve another admin's request; they then run it
                                                                    with --approval ID (candor admin user/export/suspend)
  candor --home DIR org decline <org> <id>                          decline a request (or withdraw your own): it ends at once
  candor --home DIR org policy <org> [get | set FILE]               its signed policy (admins); FILE is the JSON document
${ORG_POLICY_HISTORY_USAGE}
  candor --home DIR policy                                          the policy that applies to you, checked (signature, log proof)
  candor --home DIR org siem <org> [set FILE | off]                 where the trail is streamed (owner): FILE is JSON
                                                                    { "syslog": { host, port, tls?, ca? }, "webhook": { url, ca? } }`

function line(e: VerifiedAuditEntry): string {
  const a = e.entry.actor
  const who = a.kind === 'admin' ? `${a.id} (${a.role})` : a.kind === 'scim' ? `SCIM ${a.id}` : a.kind === 'policy' ? `policy ${a.id}` : `${a.id} (themself)`
  const details = Object.keys(e.entry.details).length ? `  ${JSON.stringify(e.entry.details)}` : ''
  return `${e.index}  ${new Date(e.entry.at).toISOString()}  ${who}  ${e.entry.action}${e.entry.target ? ` ${e.entry.target}` : ''}${details}`
}

export async function orgAudit(client: CandorClient, g: GlobalFlags, org: string, f: { jsonl: boolean; from: string | undefined }): Promise<number> {
  if (f.from !== undefined && !/^(0|[1-9][0-9]{0,14})$/.test(f.from)) throw new CandorError('bad_request', '--from must be a whole number')
  const trail = await client.admin.audit(org, { from: f.from === undefined ? 0 : Number(f.from) })
  if (f.jsonl) {
    // Each line is the entry exactly as logged (its leaf text), with its index.
    for (const e of trail.entries) process.stdout.write(`${JSON.stringify({ index: e.index, entry: e.entry })}\n`)
  } else if (g.json) {
    printJson({ org, checkpoint: trail.checkpoint, entries: trail.entries.map((e) => ({ index: e.index, entry: e.entry })) })
  } else {
    for (const e of trail.entries) process.stdout.write(`${line(e)}\n`)
  }
  process.stderr.write(`verified ${trail.entries.length} entries of ${org}'s audit trail against its signed checkpoint (size ${trail.checkpoint.size}, root ${trail.checkpoint.root})\n`)
  return 0
}

export async function orgSiem(client: CandorClient, g: GlobalFlags, org: string, args: string[]): Promise<number> {
  const show = (r: { org: string; siem: unknown }) =>
    g.json ? printJson(r) : process.stdout.write(r.siem === null ? `${r.org}: the audit trail is not streamed\n` : `${r.org}: ${JSON.stringify(r.siem)}\n`)
  if (args[0] === undefined) {
    show(await client.admin.siem(org))
    return 0
  }
  if (args[0] === 'off') {
    show(await client.admin.setSiem(org, {}))
    return 0
  }
  if (args[0] === 'set' && args[1]) {
    let settings: unknown
    try {
      settings = JSON.parse(readFileSync(args[1], 'utf8'))
    } catch (e) {
      throw new CandorError('bad_request', `${args[1]}: not a JSON file (${(e as Error).message})`)
    }
    show(await client.admin.setSiem(org, settings as Parameters<CandorClient['admin']['setSiem']>[1]))
    return 0
  }
  throw new CandorError('bad_request', `usage:\n${ORG_AUDIT_USAGE}`)
}

function approvalLine(a: ApprovalInfo): string {
  const delay = a.reason.delayUntil !== undefined ? `, notice delayed until ${new Date(a.reason.delayUntil).toISOString()}` : ''
  return `${a.id}  ${a.state}  ${a.action} ${a.target}  asked by ${a.requestedBy} (${a.reason.why}, case ${a.reason.case}${delay})${a.approvedBy ? `  approved by ${a.approvedBy}` : ''}  until ${new Date(a.expiresAt).toISOString()}`
}

export async function orgApprovals(client: CandorClient, g: GlobalFlags, sub: 'request' | 'approvals' | 'approve' | 'decline', org: string, args: string[], r?: AccessReason): Promise<number> {
  if (sub === 'approvals') {
    const list = await client.admin.approvals(org)
    if (g.json) for (const a of list) printJson(a)
    else process.stdout.write(list.length ? `${list.map(approvalLine).join('\n')}\n` : '(no open requests)\n')
    return 0
  }
  if (sub === 'decline') {
    if (!args[0]) throw new CandorError('bad_request', `missing request id\n\n${ORG_AUDIT_USAGE}`)
    const a = await client.admin.decline(org, args[0])
    g.json ? printJson(a) : process.stdout.write(`declined: ${a.id} ${a.action} ${a.target} asked by ${a.requestedBy} (it can no longer be approved or used)\n`)
    return 0
  }
  if (sub === 'approve') {
    if (!args[0]) throw new CandorError('bad_request', `missing request id\n\n${ORG_AUDIT_USAGE}`)
    const a = await client.admin.approve(org, args[0])
    g.json ? printJson(a) : process.stdout.write(`approved: ${approvalLine(a)}\n`)
    return 0
  }
  const action = args[0]
  if (action !== 'users.read' && action !== 'users.export' && action !== 'devices.suspend') throw new CandorError('bad_request', 'the action must be users.read, users.export or devices.suspend')
  if (!args[1]) throw new CandorError('bad_request', 'missing the person (or device) it is about')
  const a = await client.admin.requestApproval(org, { action, target: args[1], why: r!.why, case: r!.case, ...(r!.delayUntil !== undefined ? { delayUntil: r!.delayUntil } : {}) })
  g.json ? printJson(a) : process.stdout.write(`requested: ${approvalLine(a)}\n(another admin approves it with: candor org approve ${org} ${a.id})\n`)
  return 0
}

export async function orgPolicy(client: CandorClient, g: GlobalFlags, org: string, args: string[]): Promise<number> {
  if (args[0] === 'versions' || args[0] === 'diff') return orgPolicyHistory(client, g, org, args)
  if (args[0] === undefined || args[0] === 'get') {
    const p = await client.admin.policy(org)
    process.stdout.write(p.note === null ? (g.json ? `${JSON.stringify({ org, version: 0 })}\n` : `${org}: no policy set (the defaults apply)\n`) : g.json ? `${JSON.stringify(p)}\n` : p.note)
    return 0
  }
  if (args[0] === 'set' && args[1]) {
    let doc: unknown
    try {
      doc = JSON.parse(readFileSync(args[1], 'utf8'))
    } catch (e) {
      throw new CandorError('bad_request', `${args[1]}: not a JSON file (${(e as Error).message})`)
    }
    const p = await client.admin.setPolicy(org, doc as OrgPolicy)
    g.json ? printJson({ org, version: p.version, since: p.since }) : process.stdout.write(`${org}: policy version ${p.version} applies since ${new Date(p.since).toISOString()}\n`)
    return 0
  }
  throw new CandorError('bad_request', `usage:\n${ORG_AUDIT_USAGE}`)
}

/** \`candor policy\`: the policy that applies to this person, checked against the pinned key. */
export async function myPolicy(client: CandorClient, g: GlobalFlags): Promise<number> {
  const p = await client.policy()
  if (g.json) printJson(p)
  else process.stdout.write(`${p.org}: ${p.version === 0 ? 'no policy set; the defaults apply' : `policy version ${p.version}, applies since ${new Date(p.since).toISOString()} (signed; in the audit log at ${p.auditIndex})`}\n${JSON.stringify(p.policy, null, 2)}\n`)
  return 0
}

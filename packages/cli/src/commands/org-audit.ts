// `candor org audit <org> [--jsonl] [--from N]`: the organisation's audit trail, every entry
// checked on this device against a checkpoint signed by the pinned access-log key (inclusion and
// consistency proofs, docs/organisations.md §Audit trail). `candor org siem <org> [set FILE|off]`:
// where the trail is streamed.
import { readFileSync } from 'node:fs'
import { CandorError } from '@candor/protocol'
import type { CandorClient, VerifiedAuditEntry } from '@candor/sdk'
import type { GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

export const ORG_AUDIT_USAGE = `  candor --home DIR org audit <org> [--jsonl] [--from N]           its audit trail, proofs checked here (owner, auditor,
                                                                    compliance officer); --jsonl: one JSON entry a line
  candor --home DIR org siem <org> [set FILE | off]                 where the trail is streamed (owner): FILE is JSON
                                                                    { "syslog": { host, port, tls?, ca? }, "webhook": { url, ca? } }`

function line(e: VerifiedAuditEntry): string {
  const who = e.entry.actor.kind === 'admin' ? `${e.entry.actor.id} (${e.entry.actor.role})` : `SCIM ${e.entry.actor.id}`
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

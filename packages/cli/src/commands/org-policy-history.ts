// `candor org policy <org> versions | diff A B`: the history of an organisation's policy for its
// admins. Each version read is checked (signature by the pinned access-log key, audit-log proof)
// before it is compared; the diff is computed here, not taken from the server.
import { CandorError, policyDiff } from '@candor/protocol'
import type { CandorClient } from '@candor/sdk'
import type { GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

export const ORG_POLICY_HISTORY_USAGE = `  candor --home DIR org policy <org> versions                      its policy versions, newest first
  candor --home DIR org policy <org> diff <A> <B>                   what changed from version A to B (each checked; 0: the defaults)`

function versionArg(v: string | undefined): number {
  if (v === undefined || !/^(0|[1-9][0-9]{0,8})$/.test(v)) throw new CandorError('bad_request', `a policy version is a number (0: the defaults)\n\n${ORG_POLICY_HISTORY_USAGE}`)
  return Number(v)
}

export async function orgPolicyHistory(client: CandorClient, g: GlobalFlags, org: string, args: string[]): Promise<number> {
  if (args[0] === 'versions') {
    const { versions } = await client.admin.policyVersions(org)
    if (g.json) for (const v of versions) printJson(v)
    else if (versions.length === 0) process.stdout.write(`${org}: no policy set (the defaults apply)\n`)
    else for (const v of versions) process.stdout.write(`${v.version}  since ${new Date(v.since).toISOString()}  by ${v.createdBy}  (audit entry ${v.auditIndex})\n`)
    return 0
  }
  const [a, b] = [versionArg(args[1]), versionArg(args[2])]
  const [before, after] = [await client.admin.policyVersion(org, a), await client.admin.policyVersion(org, b)]
  const changes = policyDiff(before.policy, after.policy)
  if (g.json) {
    printJson({ org, from: a, to: b, changes })
    return 0
  }
  process.stdout.write(`${org}: policy version ${a} → ${b} (both signed and in the audit log): ${changes.length === 0 ? 'no change' : `${changes.length} change(s)`}\n`)
  for (const c of changes) process.stdout.write(`  ${c.path}: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}\n`)
  return 0
}

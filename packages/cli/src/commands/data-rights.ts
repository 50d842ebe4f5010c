// `candor data-rights`: whether your organisation's policy puts your export and your erasure
// under an admin's approval, and where your requests stand; `candor data-rights request
// export|deletion` asks; `candor data-rights withdraw <id>` withdraws your own pending request
// (docs/protocol.md §4.10 `dataRights`). Anyone else's id is "not found" and nothing changes.
import { CandorError, DATA_RIGHTS, type DataRight, type DataRightRequestInfo, type DataRightStatus } from '@candor/protocol'
import { withDevice } from './compliance.ts'
import type { GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

export const DATA_RIGHTS_USAGE = 'usage: candor data-rights [request export|deletion | withdraw <id>]'

const when = (t: number): string => new Date(t).toISOString().replace('T', ' ').slice(0, 16)

function line(s: DataRightStatus): string {
  const what = s.right === 'export' ? 'export  ' : 'deletion'
  switch (s.state) {
    case 'allowed':
      return `${what}  allowed: no approval needed`
    case 'none':
      return `${what}  under an admin's approval: not requested`
    case 'pending':
      return `${what}  under an admin's approval: request ${s.id} pending (until ${when(s.expiresAt!)} UTC)`
    case 'approved':
      return `${what}  under an admin's approval: request ${s.id} approved (use it before ${when(s.expiresAt!)} UTC)`
  }
}

/** One of the person's own requests, open or ended: `request <id> <right> <state> …`. */
function requestLine(r: DataRightRequestInfo): string {
  const ended = r.endedAt === null ? `open until ${when(r.expiresAt)} UTC` : `ended ${when(r.endedAt)} UTC`
  return `request ${r.id}  ${r.right}  ${r.state}  (asked ${when(r.requestedAt)} UTC, ${ended})`
}

export async function dataRights(g: GlobalFlags, sub: string | undefined, args: string[]): Promise<number> {
  if (sub === undefined) {
    return withDevice(g, async (c) => {
      const r = await c.dataRights()
      if (g.json) printJson(r)
      else {
        for (const s of r.rights) process.stdout.write(`${line(s)}\n`)
        for (const q of r.requests) process.stdout.write(`${requestLine(q)}\n`)
      }
      return 0
    })
  }
  if (sub === 'request') {
    const right = args[0]
    if (!(DATA_RIGHTS as readonly string[]).includes(right ?? '')) throw new CandorError('bad_request', DATA_RIGHTS_USAGE)
    return withDevice(g, async (c) => {
      const s = await c.requestDataRight(right as DataRight)
      if (g.json) printJson(s)
      else process.stdout.write(`${line(s)}\n`)
      return 0
    })
  }
  if (sub === 'withdraw') {
    const id = args[0]
    if (!id) throw new CandorError('bad_request', DATA_RIGHTS_USAGE)
    return withDevice(g, async (c) => {
      try {
        const w = await c.withdrawDataRight(id)
        if (g.json) printJson(w)
        else process.stdout.write(`withdrawn: your ${w.right} request ${w.id}; nothing will be done with it\n`)
        return 0
      } catch (e) {
        if (!(e instanceof CandorError)) throw e
        if (e.code === 'not_found') process.stderr.write(`not found: you have no data-rights request ${id}; nothing changed\n`)
        else if (e.code === 'conflict') process.stderr.write(`not withdrawn: ${e.message}; nothing changed\n`)
        else throw e
        return 1
      }
    })
  }
  throw new CandorError('bad_request', DATA_RIGHTS_USAGE)
}

// Consent to be contacted (docs/protocol.md §5.5): list, accept and decline contact requests;
// block, unblock and list blocked people.
import { openDevice, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

function age(ms: number): string {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000))
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`
}

export async function requests(g: GlobalFlags): Promise<number> {
  const client = await openDevice(g)
  try {
    const list = await client.requests.list()
    if (g.json) for (const r of list) printJson(r)
    else if (list.length === 0) process.stdout.write('no pending contact requests\n')
    else for (const r of list) process.stdout.write(`${r.requestId}  from ${r.from}  ${r.held} message${r.held === 1 ? '' : 's'} waiting  ${age(r.createdAt)}\n`)
  } finally {
    client.close()
  }
  return 0
}

export async function settle(g: GlobalFlags, how: 'accept' | 'decline', requestId: string): Promise<number> {
  const client = await openDevice(g)
  try {
    const r = how === 'accept' ? await client.requests.accept(requestId) : await client.requests.decline(requestId)
    if (g.json) printJson(r)
    else process.stdout.write(how === 'accept' ? `accepted ${requestId}: ${r.delivered} held deliver${r.delivered === 1 ? 'y' : 'ies'} on the way (\`candor read\`)\n` : `declined ${requestId}: its messages are dropped; the sender is not told\n`)
  } finally {
    client.close()
  }
  return 0
}

export async function blocking(g: GlobalFlags, how: 'block' | 'unblock', userId: string): Promise<number> {
  const client = await openDevice(g)
  try {
    if (how === 'block') await client.requests.block(userId)
    else await client.requests.unblock(userId)
    if (g.json) printJson({ userId, blocked: how === 'block' })
    else process.stdout.write(how === 'block' ? `blocked ${userId}: their messages and requests to you are not delivered\n` : `unblocked ${userId}\n`)
  } finally {
    client.close()
  }
  return 0
}

export async function blocks(g: GlobalFlags): Promise<number> {
  const client = await openDevice(g)
  try {
    const list = await client.requests.blocks()
    if (g.json) for (const b of list) printJson(b)
    else if (list.length === 0) process.stdout.write('you block nobody\n')
    else for (const b of list) process.stdout.write(`${b.userId}  since ${new Date(b.at).toISOString()}\n`)
  } finally {
    client.close()
  }
  return 0
}

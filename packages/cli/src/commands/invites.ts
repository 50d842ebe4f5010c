// `candor invite [<conversation>] [--uses N] [--days D]`, `candor invites`, `candor
// invite-revoke <id>` and `candor join <link> [--wait]` (docs/protocol.md §5.8): a link that lets
// someone become this person's contact and start a conversation with them — or, made for a
// conversation, ask this device to add them to it ("Group links"). The secret is made here and
// printed in the link only; the server gets its hash and never learns the conversation.
import { CandorError } from '@candor/protocol'
import type { CandorClient } from '@candor/sdk'
import { connectedDevice, openDevice, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

function whole(v: string | undefined, what: string, fallback: number): number {
  if (v === undefined) return fallback
  if (!/^[1-9][0-9]{0,6}$/.test(v)) throw new CandorError('bad_request', `${what}: a whole number ≥ 1`)
  return Number(v)
}

/** With a conversation: a group link (this device, a member now, adds whoever uses it when it is next online). */
export async function invite(g: GlobalFlags, conversation: string | undefined, uses: string | undefined, days: string | undefined): Promise<number> {
  const opts = { maxUses: whole(uses, '--uses', 1), expiresInSeconds: whole(days, '--days', 7) * 24 * 3600 }
  // A group link needs this device's view of the group as it is now (still a member?).
  const client = conversation === undefined ? await openDevice(g) : await connectedDevice(g)
  try {
    const { link, invite: i } = conversation === undefined ? await client.invites.create(opts) : await client.groupInvites.create(conversation, opts)
    if (g.json) printJson({ link, ...i, ...(conversation === undefined ? {} : { conversation }) })
    else {
      const to = conversation === undefined ? '' : `; this device adds whoever uses it to ${conversation} when it is next online (candor read)`
      process.stdout.write(`${link}\n(good for ${i.maxUses} use${i.maxUses === 1 ? '' : 's'} until ${new Date(i.expiresAt).toISOString()}${to}; revoke: candor invite-revoke ${i.inviteId})\n`)
    }
  } finally {
    client.close()
  }
  return 0
}

export async function invites(g: GlobalFlags): Promise<number> {
  const client = await openDevice(g)
  try {
    const groupOf = new Map((await client.groupInvites.list()).map((i) => [i.inviteId, i.conversation]))
    for (const i of await client.invites.list()) {
      const conversation = groupOf.get(i.inviteId)
      if (g.json) printJson({ ...i, ...(conversation === undefined ? {} : { conversation }) })
      else {
        const state = i.revoked ? 'revoked' : i.expiresAt <= Date.now() ? 'expired' : `until ${new Date(i.expiresAt).toISOString()}`
        process.stdout.write(`${i.inviteId}  ${i.uses}/${i.maxUses} used  ${state}${conversation === undefined ? '' : `  to ${conversation}`}\n`)
      }
    }
  } finally {
    client.close()
  }
  return 0
}

export async function revokeInvite(g: GlobalFlags, inviteId: string): Promise<number> {
  const client = await openDevice(g)
  try {
    // Revoked on the server and, for a group link of this device's, here too (a `join` that was on its way adds nobody).
    await client.groupInvites.revoke(inviteId)
    process.stdout.write(`revoked ${inviteId}\n`)
  } finally {
    client.close()
  }
  return 0
}

const JOIN_WAIT_MS = 60_000

/** A person's link: prints the conversation with its creator. A group link: asks its creator's device to add this person; --wait: until it did, then prints the group. */
export async function join(g: GlobalFlags, link: string, wait: boolean): Promise<number> {
  const client = await connectedDevice(g)
  try {
    if (!/#\/join\//.test(link)) {
      const conv = await client.joinByInvite(link)
      if (g.json) printJson({ conversation: conv })
      else process.stdout.write(`${conv}\n`)
      return 0
    }
    const known = new Set(client.conversations().map((c) => c.id))
    const direct = await client.groupInvites.join(link)
    known.add(direct)
    const group = wait ? await addedTo(client, known) : undefined
    if (g.json) printJson({ conversation: direct, ...(group === undefined ? {} : { group }) })
    else if (group !== undefined) process.stdout.write(`${group}\n`)
    else {
      const creator = client.conversations().find((c) => c.id === direct)?.members.find((m) => m !== client.userId) ?? 'its creator'
      process.stdout.write(`asked ${creator} to add you (in ${direct}); the conversation appears in "candor groups" once their device has added you\n`)
    }
    return wait && group === undefined ? 1 : 0
  } finally {
    client.close()
  }
}

/** The first conversation this device joins that is not in `known`, or undefined after JOIN_WAIT_MS (said on stderr). */
function addedTo(client: CandorClient, known: ReadonlySet<string>): Promise<string | undefined> {
  return new Promise((resolve) => {
    const done = (id: string | undefined) => {
      clearTimeout(timer)
      off()
      resolve(id)
    }
    const timer = setTimeout(() => {
      process.stderr.write(`not added within ${JOIN_WAIT_MS / 1000} s: the link's creator's device adds you when it is next online\n`)
      done(undefined)
    }, JOIN_WAIT_MS)
    const off = client.on('conversation', (e) => {
      if (e.change === 'joined' && !known.has(e.id)) done(e.id)
    })
    const already = client.conversations().find((c) => !known.has(c.id))
    if (already) done(already.id)
  })
}

// `candor name <display name>` and `candor people <query>` (docs/protocol.md §8): the display
// name this person shows (sent end-to-end encrypted to their conversations; others see it next
// to the verified user id, never instead of it), and finding people to talk to.
import { CandorError } from '@candor/protocol'
import { openDevice, connectedDevice, type GlobalFlags } from '../device-session.ts'
import { printJson } from '../output.ts'

export async function setName(g: GlobalFlags, name: string | undefined): Promise<number> {
  if (name === undefined) {
    const client = await openDevice(g)
    try {
      const own = client.displayNameOf(client.userId)
      if (g.json) printJson({ userId: client.userId, displayName: own })
      else process.stdout.write(own === null ? `${client.userId} has no display name\n` : `${own} (${client.userId})\n`)
    } finally {
      client.close()
    }
    return 0
  }
  const client = await connectedDevice(g)
  try {
    const set = await client.setDisplayName(name)
    if (g.json) printJson({ userId: client.userId, displayName: set })
    else process.stdout.write(`your display name is now "${set}" (shown next to ${client.userId})\n`)
  } finally {
    client.close()
  }
  return 0
}

export async function people(g: GlobalFlags, query: string): Promise<number> {
  const client = await connectedDevice(g)
  try {
    const found = await client.findPeople(query)
    for (const p of found) {
      if (g.json) printJson(p)
      else process.stdout.write(`${p.userId}${p.displayName === null ? '' : `  "${p.displayName}"`}  (${p.source === 'organisation' ? 'your organisation' : 'from your conversations'})\n`)
    }
    if (!g.json && found.length === 0) process.stdout.write('nobody found\n')
  } finally {
    client.close()
  }
  return 0
}

export async function hide(g: GlobalFlags, conversation: string, erase: boolean): Promise<number> {
  const client = await openDevice(g)
  try {
    const target = client.conversations().find((c) => c.id === conversation || c.id.startsWith(conversation))
    if (!target) throw new CandorError('not_found', `no conversation ${conversation} in your list`)
    await client.hideConversation(target.id, { erase })
    if (g.json) printJson({ conversation: target.id, hidden: true, erased: erase })
    else process.stdout.write(`${target.id} hidden from your list${erase ? ', its history deleted from this device' : ' (it comes back with its next message)'}\n`)
  } finally {
    client.close()
  }
  return 0
}

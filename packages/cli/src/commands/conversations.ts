// groups, create, add, remove, leave, who.
import { connectedDevice, type GlobalFlags } from '../device-session.ts'
import { printJson, timerLabel } from '../output.ts'

export async function groups(g: GlobalFlags): Promise<number> {
  const client = await connectedDevice(g)
  try {
    for (const c of client.conversations()) {
      if (g.json) printJson(c)
      else process.stdout.write(`${c.id}  ${c.status.padEnd(7)} epoch ${String(c.epoch).padEnd(4)} ${c.members.join(', ')}${timerLabel(c.timer)}\n`)
    }
  } finally {
    client.close()
  }
  return 0
}

export async function create(g: GlobalFlags, users: string[]): Promise<number> {
  const client = await connectedDevice(g)
  try {
    const id = await client.createConversation(users)
    if (g.json) printJson({ conversation: id })
    else process.stdout.write(`${id}\n`)
  } finally {
    client.close()
  }
  return 0
}

export async function membership(g: GlobalFlags, op: 'add' | 'remove', conversation: string, users: string[]): Promise<number> {
  const client = await connectedDevice(g)
  try {
    if (op === 'add') await client.addMembers(conversation, users)
    else await client.removeMembers(conversation, users)
    if (g.json) printJson({ conversation, [op === 'add' ? 'added' : 'removed']: users })
    else process.stdout.write(`${op === 'add' ? 'added' : 'removed'} ${users.join(', ')}\n`)
  } finally {
    client.close()
  }
  return 0
}

export async function leave(g: GlobalFlags, conversation: string): Promise<number> {
  const client = await connectedDevice(g)
  try {
    await client.leave(conversation)
    if (!g.json) process.stdout.write(`left ${conversation}\n`)
    else printJson({ left: conversation })
  } finally {
    client.close()
  }
  return 0
}

export async function who(g: GlobalFlags, conversation: string): Promise<number> {
  const client = await connectedDevice(g)
  try {
    const readers = await client.whoCanRead(conversation)
    if (g.json) printJson({ conversation, readers })
    else {
      process.stdout.write(`who can read ${conversation}:\n`)
      for (const r of readers) {
        process.stdout.write(`  ${r.userId}${r.kind === 'person' ? '' : ` [${r.kind}]`}\n`)
        for (const d of r.devices) {
          process.stdout.write(`    ${d.deviceId} ${d.verified ? 'key verified' : 'KEY NOT VERIFIED'}${d.self ? ' (this device)' : ''}\n`)
        }
      }
    }
  } finally {
    client.close()
  }
  return 0
}

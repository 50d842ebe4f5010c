// groups, create, add, remove, leave, who.
import { connectedDevice, type GlobalFlags } from '../device-session.ts'
import { printJson, timerLabel } from '../output.ts'
import type { Reader } from '@candor/sdk'

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
    // docs/compliance.md "Legal hold": people see that a hold applies here (once its notice is due).
    const holds = await client.compliance.holdsOnConversation(conversation).catch((e: unknown) => {
      process.stderr.write(`warning: could not read the legal holds: ${(e as Error).message}\n`)
      return []
    })
    const encryption = client.encryptionOf(conversation)
    if (g.json) printJson({ conversation, encryption, readers, legalHolds: holds })
    else {
      for (const h of holds) {
        process.stdout.write(`a legal hold applies to ${h.target.startsWith('user:') ? 'you' : 'this conversation'}: case ${h.case}${h.until ? `, until ${new Date(h.until).toISOString()}` : ''} — the archive keeps its messages past the disappearing timer\n`)
      }
      process.stdout.write(`who can read ${conversation}:\n`)
      process.stdout.write(`  encryption: ${encryption.label}\n`)
      for (const r of readers) {
        process.stdout.write(`  ${r.userId}${readerTag(r)}\n`)
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

/** People untagged; a bot or an archive says so, and an archive whether the policy you verified names it (docs/protocol.md §11.2). */
function readerTag(r: Reader): string {
  if (r.kind === 'archive' && r.problem === 'key_unproven') return " [compliance archive whose key is NOT split among your organisation's compliance officers: not sending here]"
  if (r.kind === 'archive') return r.recognised === true ? " [compliance archive, named by your organisation's signed policy]" : ' [compliance archive NOT NAMED by any policy you verified: not sending here]'
  return r.kind === 'person' ? '' : ` [${r.kind}]`
}

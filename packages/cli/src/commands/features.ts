// reply, edit, delete, react, rename, topic and mark-read (docs/protocol.md §8): the
// conversation features of the SDK (client.features) from the command line. Message ids may be
// given as a unique prefix of at least 8 characters of one this device holds in the conversation.
import { CandorError } from '@candor/protocol'
import type { CandorClient } from '@candor/sdk'
import { connectedDevice, type GlobalFlags } from '../device-session.ts'
import { messageJson, printJson } from '../output.ts'
import { resolveConversation } from './messaging.ts'

const MIN_PREFIX = 8

/** The id of the one message in the conversation that `given` names (the id or a unique prefix of ≥ 8 characters). */
export async function resolveMessage(client: CandorClient, conversation: string, given: string): Promise<string> {
  const ids = [...new Set((await client.history(conversation)).map((m) => m.id))]
  if (ids.includes(given)) return given
  if (given.length < MIN_PREFIX) throw new CandorError('bad_request', `a message id prefix needs at least ${MIN_PREFIX} characters`)
  const hits = ids.filter((id) => id.startsWith(given))
  if (hits.length === 0) throw new CandorError('not_found', `no message ${given} in this conversation on this device`)
  if (hits.length > 1) throw new CandorError('bad_request', `${given} is the start of ${hits.length} message ids: give more of it`)
  return hits[0]!
}

async function withMessage(g: GlobalFlags, target: string, message: string, act: (client: CandorClient, conversation: string, id: string) => Promise<string>): Promise<number> {
  const client = await connectedDevice(g)
  try {
    const conversation = await resolveConversation(client, target)
    const id = await resolveMessage(client, conversation, message)
    const said = await act(client, conversation, id)
    if (g.json) {
      const m = (await client.history(conversation)).find((x) => x.id === id)
      if (m) printJson(messageJson(m))
    } else process.stdout.write(`${said}\n`)
    await client.features.flushReceipts()
  } finally {
    client.close()
  }
  return 0
}

export async function reply(g: GlobalFlags, target: string, message: string, text: string): Promise<number> {
  const client = await connectedDevice(g)
  try {
    const conversation = await resolveConversation(client, target)
    const id = await resolveMessage(client, conversation, message)
    const m = await client.features.reply(conversation, id, text)
    if (g.json) printJson(messageJson(m))
    else process.stdout.write(`sent ${m.id} to ${conversation} (a reply to ${id})\n`)
    await client.features.flushReceipts()
  } finally {
    client.close()
  }
  return 0
}

export function edit(g: GlobalFlags, target: string, message: string, text: string): Promise<number> {
  return withMessage(g, target, message, async (client, conversation, id) => {
    await client.features.edit(conversation, id, text)
    return `edited ${id}`
  })
}

export function deleteMessage(g: GlobalFlags, target: string, message: string): Promise<number> {
  return withMessage(g, target, message, async (client, conversation, id) => {
    await client.features.delete(conversation, id)
    return `deleted ${id} for everyone`
  })
}

export function react(g: GlobalFlags, target: string, message: string, emoji: string, remove: boolean): Promise<number> {
  return withMessage(g, target, message, async (client, conversation, id) => {
    await client.features.react(conversation, id, emoji, !remove)
    return remove ? `withdrew ${emoji} from ${id}` : `reacted ${emoji} to ${id}`
  })
}

export async function rename(g: GlobalFlags, target: string, change: { name?: string; topic?: string }): Promise<number> {
  const client = await connectedDevice(g)
  try {
    const conversation = await resolveConversation(client, target)
    if (change.name !== undefined) await client.features.rename(conversation, change.name)
    if (change.topic !== undefined) await client.features.setTopic(conversation, change.topic)
    const info = client.features.info(conversation)
    if (g.json) printJson({ conversation, name: info.name, topic: info.topic })
    else process.stdout.write(change.name !== undefined ? `renamed ${conversation} to “${change.name}”\n` : `topic of ${conversation} set\n`)
  } finally {
    client.close()
  }
  return 0
}

export async function markRead(g: GlobalFlags, target: string): Promise<number> {
  const client = await connectedDevice(g)
  try {
    const conversation = await resolveConversation(client, target)
    const n = await client.features.markRead(conversation)
    await client.features.flushReceipts()
    if (g.json) printJson({ conversation, marked: n, readReceipts: client.features.readReceipts })
    else process.stdout.write(`${n} message${n === 1 ? '' : 's'} marked read${client.features.readReceipts ? '' : ' (read receipts are off: nobody was told)'}\n`)
  } finally {
    client.close()
  }
  return 0
}

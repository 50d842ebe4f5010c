// What the client tells of conversations from this device's own MLS group states: the list a UI
// shows, the cipher suite "Who can read this?" shows, and which devices a reset leaves out.
import { CandorError } from '@candor/protocol'
import { PQ_SUITE, epochOf, groupSuiteName, leaves, suiteId, suiteLabel } from '@candor/crypto'
import type { ConversationEncryption } from './client-types.ts'
import type { Conversations } from './conversations.ts'

export interface ConversationSummary {
  id: string
  status: string
  members: string[]
  epoch: number
  timer: number | null
}

/** Each conversation once, with the group it uses now; those the person hid left out; see CandorClient.conversations. */
export function listConversations(conversations: Conversations): ConversationSummary[] {
  return conversations.list().filter((c) => conversations.groupOf(conversations.conversationOf(c.meta.id)) === c.meta.id && !conversations.hidden(conversations.conversationOf(c.meta.id))).map((c) => ({
    id: conversations.conversationOf(c.meta.id),
    status: c.meta.status,
    members: [...new Set(leaves(c.state).map((l) => l.userId))].sort(),
    epoch: epochOf(c.state),
    timer: c.meta.timer?.ms ?? null,
  }))
}

/** The cipher suite of a group this device holds, read from its own group state; see CandorClient.encryptionOf. */
export function encryptionOf(conversations: Conversations, groupId: string): ConversationEncryption {
  const c = conversations.get(groupId)
  if (!c) throw new CandorError('unknown_group', 'no such conversation on this device')
  const suite = groupSuiteName(c.state)
  return { suite, suiteId: suiteId(suite), postQuantum: suite === PQ_SUITE, label: suiteLabel(suite) }
}

/** The devices of the group's users in `leaveOut` (never this user's own), which a reset leaves out. */
export function devicesLeftOut(conversations: Conversations, groupId: string, leaveOut: readonly string[], userId: string): string[] {
  const c = conversations.get(groupId)
  const out = new Set(leaveOut)
  return c ? leaves(c.state).filter((l) => out.has(l.userId) && l.userId !== userId).map((l) => l.deviceId) : []
}

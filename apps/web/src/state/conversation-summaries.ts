// The conversation list as the views show it: each conversation with its title, last message
// and unread count, the most recent first.
import type { CandorClient } from '@candor/sdk'
import type { MessageLists } from './message-lists.ts'
import type { UiMessage } from './ui-message.ts'

export interface ConversationSummary {
  id: string
  status: string
  members: string[]
  /** Members other than this user. */
  others: string[]
  title: string
  last: UiMessage | undefined
  unread: number
  /** The disappearing timer in ms, null when off. */
  timer: number | null
}

/**
 * `transferred`: conversations whose history came from the backup; those with no group on this
 * device are listed with status 'transferred'. `lastRead`: conversation id → the send time of
 * the last message read. `personLabel`: a member as shown in a title.
 */
export function conversationSummaries(
  client: CandorClient,
  transferred: ReadonlyArray<{ id: string; members: string[] }>,
  messages: MessageLists,
  lastRead: ReadonlyMap<string, number>,
  personLabel: (userId: string) => string,
): ConversationSummary[] {
  const me = client.userId
  const groups = client.conversations()
  const onlyHistory = transferred
    .filter((t) => !groups.some((c) => c.id === t.id))
    .map((t) => ({ id: t.id, status: 'transferred', members: t.members, epoch: 0, timer: null }))
  return [...groups, ...onlyHistory]
    .map((c) => {
      const msgs = messages.list(c.id)
      const read = lastRead.get(c.id) ?? 0
      const others = c.members.filter((u) => u !== me)
      return {
        id: c.id,
        status: c.status,
        members: c.members,
        others,
        title: client.features.info(c.id).name ?? (others.length > 0 ? others.map((u) => personLabel(u)).join(', ') : 'Only you'),
        last: msgs.at(-1),
        // A message this version cannot show was still sent by someone: it counts.
        unread: msgs.filter((m) => m.direction === 'in' && m.kind !== 'timer' && m.sentAt > read).length,
        timer: c.timer,
      }
    })
    .sort((a, b) => (b.last?.sentAt ?? Number.MAX_SAFE_INTEGER) - (a.last?.sentAt ?? Number.MAX_SAFE_INTEGER))
}

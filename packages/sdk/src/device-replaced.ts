// The timeline line a member shows when a commit swapped a person's devices — a recovered device
// taking a revoked one's place by an external commit (docs/protocol.md §5.2): "alice's new device
// joined; an old device was removed". The same commit adding and removing devices of one person
// is all it takes, so an ordinary commit that does both is shown the same way.
import { newMessageId } from '@candor/protocol'
import type { Leaf } from '@candor/crypto'
import type { ClientEvents } from './client-types.ts'
import type { Conversations } from './conversations.ts'
import type { MessageRecord } from './message-record.ts'

export interface DeviceSwap {
  user: string
  added: string[]
  removed: string[]
}

/** Per person, the devices a commit added and removed, for each person who has both. */
export function deviceSwaps(before: readonly Leaf[], after: readonly Leaf[]): DeviceSwap[] {
  const had = new Set(before.map((l) => l.deviceId))
  const has = new Set(after.map((l) => l.deviceId))
  const out = new Map<string, DeviceSwap>()
  const of = (user: string) => out.get(user) ?? out.set(user, { user, added: [], removed: [] }).get(user)!
  for (const l of after) if (!had.has(l.deviceId)) of(l.userId).added.push(l.deviceId)
  for (const l of before) if (!has.has(l.deviceId)) of(l.userId).removed.push(l.deviceId)
  return [...out.values()].filter((s) => s.added.length > 0 && s.removed.length > 0)
}

export function deviceSwapText(s: DeviceSwap): string {
  const joined = s.added.length === 1 ? `${s.user}'s new device joined` : `${s.added.length} new devices of ${s.user}'s joined`
  const removed = s.removed.length === 1 ? 'an old device was removed' : `${s.removed.length} old devices were removed`
  return `${joined}; ${removed}`
}

/** Records the line for each swap in the group's conversation. */
export async function recordDeviceSwaps(
  d: { conversations: Conversations; userId: string; emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void },
  groupId: string,
  committer: { deviceId: string },
  sentAt: number,
  swaps: readonly DeviceSwap[],
): Promise<void> {
  for (const s of swaps) {
    const record: MessageRecord = {
      id: newMessageId(),
      conversation: d.conversations.conversationOf(groupId),
      from: s.user,
      fromDevice: committer.deviceId,
      text: deviceSwapText(s),
      sentAt,
      receivedAt: Date.now(),
      direction: s.user === d.userId ? 'out' : 'in',
      kind: 'members',
      members: { added: [], removed: [] },
      device: { user: s.user, added: [...s.added], removed: [...s.removed] },
    }
    if (await d.conversations.record(record)) d.emit('message', record)
  }
}

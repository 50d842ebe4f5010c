// A search of this device's history: through its index when the client has one, else by
// reading the history (correct, but linear in its size). Records that have disappeared since
// the last sweep are never returned.
import type { Conversations } from '../conversations.ts'
import { isExpired, type MessageRecord } from '../message-record.ts'
import { SEARCH_LIMIT_MAX, isSearchable, queryTerms, searchableText, words } from './search-index.ts'

export async function searchHistory(conversations: Conversations, query: string, limit: number): Promise<MessageRecord[]> {
  const n = Math.max(0, Math.min(SEARCH_LIMIT_MAX, Math.floor(limit)))
  const now = Date.now()
  const index = await conversations.searchIndex()
  if (index) return (await index.search(query, n + 16)).filter((m) => !isExpired(m, now)).slice(0, n)
  const terms = queryTerms(query)
  if (terms.length === 0) return []
  const hits = (await conversations.inbox()).filter((m) => {
    if (!isSearchable(m)) return false
    const w = words(searchableText(m))
    return terms.every((t) => w.some((x) => x.startsWith(t)))
  })
  return hits.map(({ seq: _seq, ...m }) => m).sort((a, b) => b.sentAt - a.sentAt || (a.id < b.id ? -1 : 1)).slice(0, n)
}

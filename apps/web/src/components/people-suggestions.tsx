// Finding people while starting a conversation: members of this person's organisation by
// user id prefix (the server's list; it knows no names) and people of their conversations by
// user id or display name. Names show next to the user id, never instead of it.
import { useEffect, useState } from 'preact/hooks'
import type { Person } from '@candor/sdk'
import type { Messenger } from '../state/messenger.ts'

export function PeopleSuggestions({ messenger, query, onPick }: { messenger: Messenger; query: string; onPick: (userId: string) => void }) {
  const [found, setFound] = useState<Person[]>([])

  useEffect(() => {
    const q = query.trim()
    if (q.length < 2) {
      setFound([])
      return
    }
    let current = true
    const t = setTimeout(() => {
      messenger.client
        .findPeople(q)
        .then((p) => current && setFound(p.filter((x) => x.userId !== messenger.client.userId)))
        .catch(() => current && setFound([]))
    }, 200)
    return () => {
      current = false
      clearTimeout(t)
    }
  }, [query])

  if (found.length === 0) return null
  return (
    <section aria-label="People found">
      <ul class="people-suggestions" data-testid="people-found">
        {found.map((p) => (
          <li key={p.userId}>
            <button type="button" data-testid="person" data-user={p.userId} onClick={() => onPick(p.userId)}>
              {p.displayName ? `${p.displayName} (${p.userId})` : p.userId}
              <span class="muted small"> · {p.source === 'organisation' ? 'your organisation' : 'from your conversations'}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}

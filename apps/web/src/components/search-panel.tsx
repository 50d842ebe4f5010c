// Search of this device's history (issue 15 "Search"): the index is in this browser's store,
// sealed like the rest of it; the query never leaves the device.
import { useEffect, useState } from 'preact/hooks'
import type { MessageRecord } from '@candor/sdk'
import { href } from '../router.ts'
import { errorText } from '../state/error-text.ts'
import type { Messenger } from '../state/messenger.ts'
import { formatTime } from './time.ts'

export function SearchPanel({ messenger }: { messenger: Messenger }) {
  const [query, setQuery] = useState('')
  const [results, setResults] = useState<MessageRecord[] | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    const q = query.trim()
    if (q === '') {
      setResults(null)
      return
    }
    let current = true
    const t = setTimeout(() => {
      messenger.client
        .search(q, 30)
        .then((r) => current && (setResults(r), setError(null)))
        .catch((e: unknown) => current && setError(errorText(e)))
    }, 150)
    return () => {
      current = false
      clearTimeout(t)
    }
  }, [query])

  return (
    <div class="search-panel">
      <form role="search" class="pad-x" onSubmit={(e) => e.preventDefault()}>
        <label class="visually-hidden" for="search-messages">
          Search messages
        </label>
        <input id="search-messages" type="search" data-testid="search" placeholder="Search messages" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      </form>
      {error && (
        <p class="error pad-x" role="alert">
          {error}
        </p>
      )}
      {results !== null && (
        <section aria-label="Search results" aria-live="polite">
          {results.length === 0 ? (
            <p class="muted pad-x small">No messages found on this device.</p>
          ) : (
            <ul class="search-results" data-testid="search-results">
              {results.map((m) => (
                <li key={m.id}>
                  <a href={href({ name: 'conversation', id: m.conversation })} data-testid="search-result" onClick={() => setQuery('')}>
                    <span class="small">
                      <strong>{m.direction === 'out' ? 'You' : messenger.personLabel(m.from)}</strong> · <time>{formatTime(m.sentAt)}</time>
                    </span>
                    <span class="search-text">{m.text || m.attachments?.[0]?.name || ''}</span>
                  </a>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  )
}

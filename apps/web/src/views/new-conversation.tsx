// Starting a conversation: one person makes a direct conversation, several make a group.
import { useState } from 'preact/hooks'
import { navigate } from '../router.ts'
import { errorText } from '../state/error-text.ts'
import type { Messenger } from '../state/messenger.ts'
import { PaneHeader } from './conversation-view.tsx'
import { PeopleSuggestions } from '../components/people-suggestions.tsx'

export function NewConversation({ messenger }: { messenger: Messenger }) {
  const [people, setPeople] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const id = await messenger.startConversation(people.split(/[\s,]+/))
      navigate({ name: 'conversation', id })
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }

  return (
    <section class="pane" aria-labelledby="new-title">
      <PaneHeader title="New conversation" titleId="new-title" />
      <form class="pad stack" onSubmit={submit} aria-busy={busy}>
        <label>
          People
          <input
            name="people"
            required
            placeholder="e.g. bob, or bob, carol for a group"
            value={people}
            onInput={(e) => setPeople(e.currentTarget.value)}
            autoFocus
            aria-describedby="new-help"
          />
        </label>
        <PeopleSuggestions
          messenger={messenger}
          query={people.split(/[\s,]+/).at(-1) ?? ''}
          onPick={(u) => setPeople([...people.split(/[\s,]+/).slice(0, -1).filter(Boolean), u].join(', ') + ', ')}
        />
        <p id="new-help" class="muted small">
          Their user names, separated by commas. Every device of every person you add will be able to read the conversation — you can
          check exactly which under “Who can read this?”.
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button class="primary" type="submit" disabled={busy}>
          {busy ? 'Setting up encryption…' : 'Start conversation'}
        </button>
      </form>
    </section>
  )
}

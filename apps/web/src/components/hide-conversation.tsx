// Taking a conversation off this person's list on this device (it comes back with its next
// message), or also deleting its history here. Nothing changes for the other members.
import { useState } from 'preact/hooks'
import { navigate } from '../router.ts'
import { errorText } from '../state/error-text.ts'
import type { Messenger } from '../state/messenger.ts'

export function HideConversation({ messenger, id }: { messenger: Messenger; id: string }) {
  const [error, setError] = useState<string | null>(null)
  const hide = async (erase: boolean) => {
    if (erase && !confirm('Delete this conversation’s history from this device? The other members keep theirs.')) return
    try {
      await messenger.hideConversation(id, erase)
      navigate({ name: 'home' })
    } catch (e) {
      setError(errorText(e))
    }
  }
  return (
    <section class="card inset stack" aria-labelledby="hide-title">
      <h3 id="hide-title">Your list</h3>
      <p class="muted small">Only on this device; the other members are not told. It comes back when a new message arrives.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="row">
        <button type="button" data-testid="hide-conversation" onClick={() => void hide(false)}>
          Remove from my list
        </button>
        <button type="button" class="danger" data-testid="delete-conversation" onClick={() => void hide(true)}>
          Delete history here
        </button>
      </div>
    </section>
  )
}

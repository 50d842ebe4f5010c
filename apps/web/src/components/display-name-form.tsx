// This person's display name (docs/protocol.md §2 `profile`): sent end-to-end encrypted to
// their conversations, shown to others next to their verified user id — never instead of it.
import { useState } from 'preact/hooks'
import { errorText } from '../state/error-text.ts'
import type { Messenger } from '../state/messenger.ts'

export function DisplayNameForm({ messenger }: { messenger: Messenger }) {
  const client = messenger.client
  const [name, setName] = useState(client.displayNameOf(client.userId) ?? '')
  const [status, setStatus] = useState<{ error: boolean; text: string } | null>(null)
  const [busy, setBusy] = useState(false)

  const save = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setStatus(null)
    try {
      const set = await client.setDisplayName(name)
      setName(set)
      setStatus({ error: false, text: `Saved. Others see “${set} (${client.userId})”.` })
    } catch (err) {
      setStatus({ error: true, text: errorText(err) })
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="card inset stack" onSubmit={save} aria-labelledby="display-name-title">
      <h3 id="display-name-title">Your display name</h3>
      <label>
        Display name
        <input name="display-name" data-testid="display-name" value={name} maxLength={64} required onInput={(e) => setName(e.currentTarget.value)} aria-describedby="display-name-help" />
      </label>
      <p id="display-name-help" class="muted small">
        Sent encrypted to your conversations. People see it next to your user id ({client.userId}), which is what your safety number proves.
      </p>
      {status && (
        <p class={status.error ? 'error' : 'muted small'} role={status.error ? 'alert' : 'status'}>
          {status.text}
        </p>
      )}
      <button class="primary" type="submit" disabled={busy || name.trim() === ''}>
        Save name
      </button>
    </form>
  )
}

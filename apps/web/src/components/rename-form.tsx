// Renames the conversation for everyone in it (an end-to-end-encrypted `conversation` message;
// the server never sees the name).
import { useState } from 'preact/hooks'
import type { Messenger } from '../state/messenger.ts'

export function RenameForm({ messenger, conversation, current, onDone }: { messenger: Messenger; conversation: string; current: string; onDone: () => void }) {
  const [name, setName] = useState(current)
  const [busy, setBusy] = useState(false)
  return (
    <form
      class="rename bar"
      data-testid="rename-form"
      onSubmit={(e) => {
        e.preventDefault()
        const n = name.trim()
        if (!n) return
        setBusy(true)
        messenger.client.features
          .rename(conversation, n)
          .then(onDone, (err: unknown) => messenger.notify(`Could not rename: ${err instanceof Error ? err.message : String(err)}`))
          .finally(() => setBusy(false))
      }}
    >
      <label for="rename-name">Conversation name</label>{' '}
      <input id="rename-name" value={name} maxLength={100} onInput={(e) => setName(e.currentTarget.value)} />{' '}
      <button type="submit" class="primary" disabled={busy || !name.trim()}>
        Save name
      </button>{' '}
      <button type="button" class="link" onClick={onDone}>
        Cancel
      </button>
    </form>
  )
}

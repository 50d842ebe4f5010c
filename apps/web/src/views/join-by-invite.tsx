// Someone's invite link opened here (docs/protocol.md §5.8): accepting it makes the two people
// each other's contacts and opens the conversation with the person who made it. Nothing happens
// until the person chooses to accept.
import { useState } from 'preact/hooks'
import { navigate } from '../router.ts'
import { errorText } from '../state/error-text.ts'
import type { Messenger } from '../state/messenger.ts'

export function JoinByInvite({ messenger, secret }: { messenger: Messenger; secret: string }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const accept = async () => {
    setBusy(true)
    setError(null)
    try {
      const id = await messenger.client.joinByInvite(secret)
      navigate({ name: 'conversation', id })
    } catch (e) {
      setError(errorText(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="card inset stack" aria-labelledby="invite-title">
      <h2 id="invite-title">You have an invite</h2>
      <p>Someone sent you a link to talk to them. Accepting makes you each other’s contacts and opens your conversation with them.</p>
      {error && (
        <p class="error" role="alert" data-testid="invite-error">
          {error}
        </p>
      )}
      <button type="button" class="primary" disabled={busy} onClick={() => void accept()}>
        Accept invite
      </button>
    </section>
  )
}

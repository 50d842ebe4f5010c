// The two places a passkey can stand in for the written-down recovery secret: keeping it in one
// (Settings → Recovery, when the secret is shown) and reading it back (sign-in → "I lost my devices").
import { useState } from 'preact/hooks'
import { errorText } from '../state/error-text.ts'
import { passkeysAvailable, readPasskeyRecovery, savePasskeyRecovery } from './passkey-recovery.ts'

export function SaveInPasskey({ userId, secret }: { userId: string; secret: string }) {
  const [state, setState] = useState<{ busy?: true; done?: true; error?: string }>({})
  if (!passkeysAvailable()) return null
  const save = async () => {
    setState({ busy: true })
    try {
      await savePasskeyRecovery(userId, secret)
      setState({ done: true })
    } catch (e) {
      setState({ error: errorText(e) })
    }
  }
  return (
    <p>
      <button type="button" disabled={state.busy || state.done} onClick={() => void save()}>
        {state.busy ? 'Saving in a passkey…' : 'Also keep it in a passkey'}
      </button>
      {state.done && (
        <span class="muted small" role="status" data-testid="passkey-saved">
          {' '}Kept in a passkey, sealed under a key only the passkey can make.
        </span>
      )}
      {state.error && (
        <span class="error" role="alert">
          {' '}{state.error}
        </span>
      )}
    </p>
  )
}

export function RecoverWithPasskey({ onSecret }: { onSecret: (userId: string, secret: string) => void }) {
  const [error, setError] = useState<string | null>(null)
  if (!passkeysAvailable()) return null
  const read = async () => {
    setError(null)
    try {
      const r = await readPasskeyRecovery()
      onSecret(r.userId, r.secret)
    } catch (e) {
      setError(errorText(e))
    }
  }
  return (
    <p>
      <button type="button" onClick={() => void read()}>
        Use a passkey
      </button>
      {error && (
        <span class="error" role="alert">
          {' '}{error}
        </span>
      )}
    </p>
  )
}

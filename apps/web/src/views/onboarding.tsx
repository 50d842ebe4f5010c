// First visit: create an account with this browser as its first device, add this browser as a
// further device of an existing account (approved from a device you already have), or — "I lost
// my devices" — get back in with the recovery secret (docs/protocol.md §4.2).
import { useEffect, useState } from 'preact/hooks'
import type { CandorClient } from '@candor/sdk'
import { normaliseUserName } from '@candor/protocol'
import { defaultDeviceName } from '../state/client-options.ts'
import { errorText } from '../state/error-text.ts'
import { RecoverWithPasskey } from '../passkey/passkey-buttons.tsx'
import { enrolDevice, recoverDevice, registerDevice, ssoStartUrl, takeSsoReturn } from '../state/session.ts'
import type { IndexedDbLocalStore } from '../storage/indexeddb-local-store.ts'

type Mode = 'register' | 'enrol' | 'recover'

export function Onboarding({ store, onDone }: { store: IndexedDbLocalStore; onDone: (c: CandorClient) => Promise<void> }) {
  const [mode, setMode] = useState<Mode>('register')
  const [userId, setUserId] = useState('')
  const [deviceName, setDeviceName] = useState(defaultDeviceName)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [org, setOrg] = useState('')
  const [secret, setSecret] = useState('')

  // Back from the organisation's identity provider: register (or ask to add this device) as the person it vouched for.
  useEffect(() => {
    const sso = takeSsoReturn()
    if (!sso) return
    setBusy(true)
    const name = deviceName.trim()
    ;(sso.registered ? enrolDevice(store, sso.userId, name, sso.ticket) : registerDevice(store, sso.userId, name, sso))
      .then(onDone)
      .catch((err: unknown) => {
        setError(errorText(err))
        setBusy(false)
      })
  }, [])

  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const id = normaliseUserName(userId, 'user name')
      const client =
        mode === 'register'
          ? await registerDevice(store, id, deviceName.trim())
          : mode === 'enrol'
            ? await enrolDevice(store, id, deviceName.trim())
            : await recoverDevice(store, id, secret, deviceName.trim())
      await onDone(client)
    } catch (err) {
      setError(errorText(err))
      setBusy(false)
    }
  }

  return (
    <div class="centre">
      <main class="card onboarding">
        <h1 class="brand">Candor</h1>
        <p class="muted">End-to-end encrypted messaging you can check. Your keys are made and kept in this browser.</p>
        <div class="tabs" role="tablist" aria-label="How to start">
          <button role="tab" type="button" aria-selected={mode === 'register'} onClick={() => setMode('register')}>
            Create account
          </button>
          <button role="tab" type="button" aria-selected={mode === 'enrol'} onClick={() => setMode('enrol')}>
            Add this device
          </button>
          <button role="tab" type="button" aria-selected={mode === 'recover'} onClick={() => setMode('recover')}>
            I lost my devices
          </button>
        </div>
        <form onSubmit={submit} aria-busy={busy}>
          <label>
            User name
            <input
              name="userId"
              autoComplete="username"
              required
              autoCapitalize="none"
              title="a name like alice, or alice@example.org: letters, digits, dot, underscore, plus or hyphen"
              value={userId}
              onInput={(e) => setUserId(e.currentTarget.value)}
              autoFocus
            />
          </label>
          <label>
            Name of this device
            <input name="deviceName" required maxLength={64} value={deviceName} onInput={(e) => setDeviceName(e.currentTarget.value)} />
          </label>
          {mode === 'recover' && (
            <label>
              Recovery secret
              <input
                name="recoverySecret"
                required
                autoCapitalize="characters"
                autoComplete="off"
                spellcheck={false}
                placeholder="XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX"
                value={secret}
                onInput={(e) => setSecret(e.currentTarget.value)}
              />
            </label>
          )}
          {mode === 'recover' && (
            <RecoverWithPasskey
              onSecret={(u, s) => {
                setUserId(u)
                setSecret(s)
              }}
            />
          )}
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button class="primary" type="submit" disabled={busy}>
            {busy ? (mode === 'recover' ? 'Recovering…' : 'Creating keys…') : mode === 'register' ? 'Create account' : mode === 'enrol' ? 'Request approval' : 'Recover my account'}
          </button>
          {mode === 'enrol' && <p class="muted small">You will approve this device from one you already use, in its Settings.</p>}
          {mode === 'recover' && (
            <p class="muted small">
              With the recovery secret you wrote down: this browser becomes a new device of yours, your backed-up history comes back, and
              your old devices are signed out. Your contacts see a new device of yours.
            </p>
          )}
        </form>
        <form
          class="sso"
          onSubmit={(e) => {
            e.preventDefault()
            location.assign(ssoStartUrl(org.trim()))
          }}
        >
          <label>
            Organisation
            <input name="org" autoCapitalize="none" required pattern="[a-z0-9][a-z0-9\-]{0,62}" value={org} onInput={(e) => setOrg(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={busy}>
            Sign in with your organisation
          </button>
          <p class="muted small">Where your organisation requires single sign-on: its sign-in page opens, then you come back here.</p>
        </form>
      </main>
    </div>
  )
}

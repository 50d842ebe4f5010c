// Settings → Recovery (docs/protocol.md §4.2): set up the recovery secret (shown once, to write
// down), and back up the history under it, with progress. Losing every device is then not the
// end: "I lost my devices" at sign-in gets the person back in with the secret.
import { useEffect, useState } from 'preact/hooks'
import type { CandorClient, HistoryProgress } from '@candor/sdk'
import { errorText } from '../state/error-text.ts'
import { SaveInPasskey } from '../passkey/passkey-buttons.tsx'
import { HistoryProgressBar } from './history-progress.tsx'

export function RecoverySettings({ client }: { client: CandorClient }) {
  const [key, setKey] = useState<string | null | undefined>(undefined)
  const [secret, setSecret] = useState<string | null>(null)
  const [busy, setBusy] = useState<'setup' | 'backup' | null>(null)
  const [progress, setProgress] = useState<HistoryProgress | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    client
      .recoveryKey()
      .then(setKey)
      .catch((e: unknown) => setError(errorText(e)))
  }, [client])

  const setUp = async () => {
    if (key && !confirm('Make a new recovery secret? The one you wrote down stops working.')) return
    setBusy('setup')
    setError(null)
    try {
      const r = await client.setUpRecovery()
      setSecret(r.secret)
      setKey(r.publicKey)
    } catch (e) {
      setError(errorText(e))
    } finally {
      setBusy(null)
    }
  }

  const backUp = async () => {
    setBusy('backup')
    setError(null)
    setDone(null)
    try {
      const r = await client.backUpHistory(setProgress)
      setDone(`Backed up ${r.messages} messages, sealed to your recovery key.`)
    } catch (e) {
      setError(errorText(e))
    } finally {
      setBusy(null)
      setProgress(null)
    }
  }

  return (
    <section aria-labelledby="recovery-title" data-testid="recovery-settings">
      <h3 id="recovery-title">Recovery</h3>
      <p class="muted small">
        A recovery secret gets you back into your account if you lose every device: you write it down, nobody else keeps it — not this
        browser, not the server. A device it approves is shown to your contacts as a new device, as any other.
      </p>
      {key === undefined ? null : key === null ? (
        <p data-testid="recovery-state">No recovery secret yet.</p>
      ) : (
        <p data-testid="recovery-state">A recovery secret is set.</p>
      )}
      {secret && (
        <div class="card inset" role="alert">
          <p>
            <strong>Your recovery secret.</strong> Write it down now and keep it somewhere safe; it is shown only this once.
          </p>
          <p>
            <code data-testid="recovery-secret" class="secret">
              {secret}
            </code>
          </p>
          <SaveInPasskey userId={client.userId} secret={secret} />
          <button type="button" onClick={() => setSecret(null)}>
            I wrote it down
          </button>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="button" disabled={busy !== null} onClick={() => void setUp()}>
        {busy === 'setup' ? 'Setting up…' : key ? 'Make a new recovery secret' : 'Set up recovery'}
      </button>{' '}
      {key && (
        <button type="button" disabled={busy !== null} onClick={() => void backUp()}>
          {busy === 'backup' ? 'Backing up…' : 'Back up history now'}
        </button>
      )}
      {progress && <HistoryProgressBar progress={progress} />}
      {done && (
        <p class="muted small" role="status" data-testid="backup-done">
          {done}
        </p>
      )}
    </section>
  )
}

// A new device waits here until one of the person's existing devices approves it. A request
// that was denied, replaced or expired is gone: waiting longer cannot help, so it stops.
import { useEffect, useState } from 'preact/hooks'
import { CandorError } from '@candor/protocol'
import type { CandorClient } from '@candor/sdk'
import { DeviceCode } from '../components/device-code.tsx'
import { errorText } from '../state/error-text.ts'
import { eraseThisBrowser, type Session } from '../state/session.ts'

export function PendingApproval({ session, client, onApproved }: { session: Session; client: CandorClient; onApproved: () => Promise<void> }) {
  const [error, setError] = useState<string | null>(null)
  const [gone, setGone] = useState(false)
  useEffect(() => {
    let live = true
    const wait = async () => {
      while (live) {
        try {
          await client.waitForApproval(60_000)
          if (live) await onApproved()
          return
        } catch (e) {
          if (!live) return
          if (e instanceof CandorError && e.code === 'unknown_device') {
            setGone(true)
            return
          }
          setError(errorText(e))
          await new Promise((r) => setTimeout(r, 2000))
        }
      }
    }
    void wait()
    return () => {
      live = false
    }
  }, [client])

  return (
    <div class="centre">
      <main class="card" aria-labelledby="pending-title">
        <h1 id="pending-title">Approve this device</h1>
        <p>
          On a device already signed in as <strong>{client.userId}</strong>, open <em>Settings</em> and approve the request whose code
          matches:
        </p>
        <DeviceCode deviceId={client.deviceId} />
        {gone ? (
          <p class="error" role="alert">
            This request was denied, replaced by a newer one, or expired after ten minutes. Start over to ask again.
          </p>
        ) : (
          <p class="muted" role="status" aria-live="polite">
            Waiting for approval…
          </p>
        )}
        {!gone && error && <p class="error">{error}</p>}
        <button type="button" class={gone ? 'primary' : 'link'} onClick={() => void eraseThisBrowser(session.store)}>
          {gone ? 'Start over' : 'Cancel and start over'}
        </button>
      </main>
    </div>
  )
}

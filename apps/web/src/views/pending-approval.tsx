// A new device waits here until one of the person's existing devices approves it. A request
// that was denied, replaced or expired is gone: waiting longer cannot help, so it stops. Once
// approved, it takes the history the approving device sends (docs/protocol.md §4.2), with
// progress, waiting a little for it; the person may go on without it. Where the organisation holds
// new devices for an admin's approval (the server answers `forbidden` until then), it says so, and
// waits longer for the history: the approving device sends it once the admin approved (§4.2).
import { useEffect, useState } from 'preact/hooks'
import { CandorError } from '@candor/protocol'
import type { CandorClient } from '@candor/sdk'
import { DeviceCode } from '../components/device-code.tsx'
import { HistoryProgressBar } from '../components/history-progress.tsx'
import type { HistoryProgress } from '@candor/sdk'
import { errorText } from '../state/error-text.ts'
import { eraseThisBrowser, type Session } from '../state/session.ts'

const HISTORY_WAIT_MS = 20_000
/** After an admin's approval the approving device first adds this one to the conversations, then sends the history. */
const HELD_HISTORY_WAIT_MS = 90_000

export function PendingApproval({ session, client, onApproved }: { session: Session; client: CandorClient; onApproved: () => Promise<void> }) {
  const [error, setError] = useState<string | null>(null)
  const [gone, setGone] = useState(false)
  const [approved, setApproved] = useState(false)
  const [held, setHeld] = useState(false)
  const [progress, setProgress] = useState<HistoryProgress | null>(null)
  const skip = { now: false }
  const [skipper] = useState(skip)
  useEffect(() => {
    let live = true
    /** The history the approving device sends right after approving: looked for a while (it seals and uploads it first). */
    let wasHeld = false
    const receive = async () => {
      const until = Date.now() + (wasHeld ? HELD_HISTORY_WAIT_MS : HISTORY_WAIT_MS)
      while (live && !skipper.now && Date.now() < until) {
        const r = await client.receiveHistory(setProgress)
        if (r.archives > 0) return
        await new Promise((res) => setTimeout(res, 1000))
      }
    }
    const wait = async () => {
      while (live) {
        try {
          await client.waitForApproval(60_000)
          setApproved(true)
          await receive().catch((e: unknown) => setError(errorText(e)))
          if (live) await onApproved()
          return
        } catch (e) {
          if (!live) return
          if (e instanceof CandorError && e.code === 'unknown_device') {
            setGone(true)
            return
          }
          if (e instanceof CandorError && e.code === 'forbidden' && e.details?.['held'] === true) {
            // Approved by the person's device, held by the organisation's policy until an admin approves it too.
            wasHeld = true
            setHeld(true)
            setError(null)
          } else setError(errorText(e))
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
        {approved ? (
          <div role="status" aria-live="polite">
            <p>Approved. Receiving your history…</p>
            {progress && <HistoryProgressBar progress={progress} />}
            <button type="button" class="link" onClick={() => (skipper.now = true)}>
              Continue without it
            </button>
          </div>
        ) : gone ? (
          <p class="error" role="alert">
            This request was denied, replaced by a newer one, or expired after ten minutes. Start over to ask again.
          </p>
        ) : (
          <p class="muted" role="status" aria-live="polite" data-testid="pending-state">
            {held ? 'Approved on your device. Your organisation also needs an admin to approve new devices: waiting for them. Your history follows once they have.' : 'Waiting for approval…'}
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

// Contact requests: first conversations from people this user never talked to. Nothing they
// sent is shown until the person accepts; Decline drops it without telling the sender; Block
// also keeps anything else of theirs from arriving.
import { useState } from 'preact/hooks'
import type { Messenger } from '../state/messenger.ts'
import { errorText } from '../state/error-text.ts'

export function ContactRequests({ messenger }: { messenger: Messenger }) {
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const requests = messenger.contactRequests
  if (requests.length === 0) return null

  const act = async (what: string, f: () => Promise<void>) => {
    setBusy(what)
    setError(null)
    try {
      await f()
    } catch (e) {
      setError(errorText(e))
    } finally {
      setBusy(null)
    }
  }

  return (
    <section class="contact-requests" aria-label="Contact requests">
      <h2>Contact requests</h2>
      {error && (
        <p class="banner danger" role="alert">
          {error}
        </p>
      )}
      <ul>
        {requests.map((r) => {
          // What the server holds counts the welcome that opens the conversation: not a message to show.
          const waiting = Math.max(0, r.held - 1)
          return (
          <li key={r.requestId} data-testid="contact-request" data-from={r.from}>
            <p>
              <strong>{r.from}</strong> wants to talk to you ({waiting} message{waiting === 1 ? '' : 's'} waiting). Nothing they sent is shown until you accept; if you decline, they are not told.
            </p>
            <div class="row">
              <button type="button" class="primary" disabled={busy !== null} onClick={() => void act(`accept ${r.requestId}`, () => messenger.acceptRequest(r.requestId))}>
                {busy === `accept ${r.requestId}` ? 'Accepting…' : 'Accept'}
              </button>
              <button type="button" disabled={busy !== null} onClick={() => void act(`decline ${r.requestId}`, () => messenger.declineRequest(r.requestId))}>
                {busy === `decline ${r.requestId}` ? 'Declining…' : 'Decline'}
              </button>
              <button type="button" class="danger-text" disabled={busy !== null} onClick={() => void act(`block ${r.requestId}`, () => messenger.blockSender(r.from))}>
                {busy === `block ${r.requestId}` ? 'Blocking…' : 'Block'}
              </button>
            </div>
          </li>
          )
        })}
      </ul>
    </section>
  )
}

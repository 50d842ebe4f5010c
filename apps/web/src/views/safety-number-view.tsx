// Comparing safety numbers with a contact: the same 60 digits appear on both people's
// screens exactly when each sees the other's real device keys. Marking the contact verified
// remembers those keys; if they change later, every conversation with them shows a warning.
import { useEffect, useState } from 'preact/hooks'
import { QrCode } from '../components/qr-code.tsx'
import { TrustBadge } from '../components/trust-badge.tsx'
import { provenKeys, type KeySet } from '../state/contact-keys.ts'
import { href } from '../router.ts'
import { errorText } from '../state/error-text.ts'
import type { Messenger } from '../state/messenger.ts'
import { useObservable } from '../state/observable.ts'
import { formatDateTime } from '../components/time.ts'
import { PaneHeader } from './conversation-view.tsx'

interface Computed {
  theirs: KeySet
  number: string
  qr: string
  /** The contact's organisation, from the same directory proof as their keys; null: a guest. */
  organisation: string | null
}

export function SafetyNumberView({ messenger, conversation, userId }: { messenger: Messenger; conversation: string; userId: string }) {
  useObservable(messenger.verification)
  const v = messenger.verification
  const [computed, setComputed] = useState<Computed | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [refresh, setRefresh] = useState(0)

  useEffect(() => {
    let live = true
    const client = messenger.client
    Promise.all([provenKeys(client, userId), client.safetyNumber(userId)])
      .then(([theirs, { number, qr, organisation }]) => {
        if (live) setComputed({ theirs, number, qr, organisation })
        return v.check([userId])
      })
      .catch((e: unknown) => live && setError(errorText(e)))
    return () => {
      live = false
    }
  }, [userId, refresh])

  const state = v.state(userId)
  const verifiedAt = v.verifiedAt(userId)
  const groups = computed?.number.split(' ') ?? []

  return (
    <section class="pane" aria-labelledby="safety-title">
      <PaneHeader title={`Verify ${userId}`} titleId="safety-title" back={href({ name: 'info', id: conversation })} />
      <div class="pad stack scroll safety">
        <p>
          Compare these numbers with <strong>{userId}</strong> in person or on a call you trust, or scan the code on their screen. If they
          match, nobody is in the middle of this conversation.
        </p>
        {state === 'changed' && (
          <div class="banner danger" role="alert" data-testid="key-change-warning">
            <strong>{userId}’s device keys changed since you verified them.</strong> This happens when they add or remove a device — or when
            someone tries to intercept. Compare the new number before trusting this contact again.
          </div>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {computed ? (
          <>
            <p data-testid="contact-organisation" data-value={computed.organisation ?? ''}>
              {computed.organisation === null ? (
                <>
                  <strong>{userId}</strong> is a guest: no organisation vouches for them.
                </>
              ) : (
                <>
                  <strong>{userId}</strong> belongs to the organisation <strong>{computed.organisation}</strong>, as the key directory proves.
                </>
              )}
            </p>
            <div class="safety-number" data-testid="safety-number" data-value={computed.number} aria-label={`Safety number ${computed.number}`} role="group">
              {groups.map((g, i) => (
                <span key={i}>{g}</span>
              ))}
            </div>
            <QrCode value={computed.qr} label="Safety number as a QR code" />
            <p class="muted small">
              {computed.theirs.keys.length} device{computed.theirs.keys.length === 1 ? '' : 's'} for {userId}, each proven by the key
              directory.
            </p>
          </>
        ) : (
          !error && (
            <p class="muted" role="status">
              Computing…
            </p>
          )
        )}
        <div class="row">
          <TrustBadge state={state} />
          {verifiedAt !== undefined && <span class="muted small">verified {formatDateTime(verifiedAt)}</span>}
        </div>
        <div class="row">
          {computed && state !== 'verified' && (
            <button type="button" class="primary" onClick={() => void v.markVerified(computed.theirs)}>
              {state === 'changed' ? 'Numbers match: verify the new keys' : 'Mark as verified'}
            </button>
          )}
          {state !== 'unverified' && (
            <button type="button" onClick={() => void v.clear(userId)}>
              Clear verification
            </button>
          )}
          <button type="button" onClick={() => setRefresh((n) => n + 1)}>
            Check again
          </button>
        </div>
      </div>
    </section>
  )
}

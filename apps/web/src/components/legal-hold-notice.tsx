// "A legal hold applies to this conversation" (docs/protocol.md §11.9): the holds the server says
// apply to this person here — on this conversation, or on them — once their notice is due. Read
// again each time the conversation is opened, when its members change, and whenever the server
// says the holds changed (the notice `legal_holds_changed`, SDK event `legal_holds`: a hold
// placed, its delayed notice date come, released) — so it appears and goes without a reload; in
// a following tab the call runs on the leading tab's client, whose events it hears. The hold changes nothing on this device: its copies
// still disappear on their timer; the organisation's archive keeps what the hold covers.
import { useEffect, useState } from 'preact/hooks'
import type { MyLegalHolds } from '@candor/protocol'
import type { Messenger } from '../state/messenger.ts'
import { formatDateTime } from './time.ts'

type Hold = MyLegalHolds['holds'][number]

export function LegalHoldNotice({ messenger, id, refresh = '' }: { messenger: Messenger; id: string; refresh?: string }) {
  const [holds, setHolds] = useState<{ id: string; holds: Hold[] } | null>(null)
  const [changes, setChanges] = useState(0)

  useEffect(() => messenger.client.on('legal_holds', () => setChanges((n) => n + 1)), [messenger])

  useEffect(() => {
    let live = true
    messenger.client.compliance
      .holdsOnConversation(id)
      .then((h) => live && setHolds({ id, holds: h }))
      // Unreadable now (offline, a server without holds): what was last read for this conversation stays shown.
      .catch(() => undefined)
    return () => {
      live = false
    }
  }, [id, refresh, changes])

  // Never another conversation's answer while this one's is on its way.
  if (holds === null || holds.id !== id || holds.holds.length === 0) return null
  return (
    <div class="banner warning" role="status" data-testid="legal-hold-notice">
      {holds.holds.map((h) => (
        <p key={`${h.target} ${h.case}`} class="legal-hold" data-testid="legal-hold" data-case={h.case} data-until={h.until ?? ''}>
          <strong>A legal hold applies to {h.target.startsWith('user:') ? 'you' : 'this conversation'}</strong>: case <code>{h.case}</code>
          {h.until !== null && (
            <>
              , until <time dateTime={new Date(h.until).toISOString()}>{formatDateTime(h.until)}</time>
            </>
          )}
          .
        </p>
      ))}
      <p class="small">
        Your organisation’s compliance archive keeps the messages it covers, even past the disappearing timer, until the hold is released.
        Messages still disappear from members’ devices as usual.
      </p>
    </div>
  )
}

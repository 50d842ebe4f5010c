// The top of the page: opens this browser's device, then shows onboarding, the wait for
// approval, or the messenger.
import { useEffect, useState } from 'preact/hooks'
import type { CandorClient } from '@candor/sdk'
import { errorText } from './state/error-text.ts'
import { Messenger } from './state/messenger.ts'
import { openSession, type Session } from './state/session.ts'
import { Onboarding } from './views/onboarding.tsx'
import { PendingApproval } from './views/pending-approval.tsx'
import { Shell } from './views/shell.tsx'

type Phase =
  | { name: 'loading' }
  | { name: 'failed'; message: string }
  | { name: 'welcome'; session: Session }
  | { name: 'pending'; session: Session; client: CandorClient }
  | { name: 'ready'; session: Session; messenger: Messenger }

export function App() {
  const [phase, setPhase] = useState<Phase>({ name: 'loading' })

  const ready = async (session: Session, client: CandorClient) => {
    if (client.status === 'pending') {
      setPhase({ name: 'pending', session, client })
      return
    }
    const messenger = new Messenger(client, session.store)
    await messenger.start()
    setPhase({ name: 'ready', session, messenger })
  }

  useEffect(() => {
    openSession()
      .then((session) => (session.client ? ready(session, session.client) : setPhase({ name: 'welcome', session })))
      .catch((e: unknown) => setPhase({ name: 'failed', message: errorText(e) }))
  }, [])

  switch (phase.name) {
    case 'loading':
      return (
        <div class="centre" role="status" aria-live="polite">
          <p class="muted">Opening Candor…</p>
        </div>
      )
    case 'failed':
      return (
        <div class="centre">
          <div class="card" role="alert">
            <h1>Candor cannot start here</h1>
            <p>{phase.message}</p>
          </div>
        </div>
      )
    case 'welcome':
      return <Onboarding store={phase.session.store} onDone={(c) => ready(phase.session, c)} />
    case 'pending':
      return <PendingApproval session={phase.session} client={phase.client} onApproved={() => ready(phase.session, phase.client)} />
    case 'ready':
      return <Shell messenger={phase.messenger} store={phase.session.store} />
  }
}

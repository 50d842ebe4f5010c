// The top of the page: opens this browser's device, then shows onboarding, the wait for
// approval, or the messenger.
import { useEffect, useState } from 'preact/hooks'
import type { CandorClient } from '@candor/sdk'
import { errorText } from './state/error-text.ts'
import { Messenger } from './state/messenger.ts'
import { openSession, type Session } from './state/session.ts'
import { follow, type Following } from './tabs/follow.ts'
import { serveFollowers } from './tabs/leader.ts'
import { reloadOnErasure } from './tabs/erasure.ts'
import { electTab } from './tabs/tab-election.ts'
import { Onboarding } from './views/onboarding.tsx'
import { PendingApproval } from './views/pending-approval.tsx'
import { Shell } from './views/shell.tsx'

type Phase =
  | { name: 'loading' }
  /** Another tab of this browser leads and is not signed in yet; this one follows it then. */
  | { name: 'following' }
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
    // This tab leads: the other tabs of this browser use its client and connection.
    serveFollowers(client)
    setPhase({ name: 'ready', session, messenger })
  }

  // Another tab of this browser erases it: let go of the database and come back on the empty one.
  useEffect(() => reloadOnErasure(), [])

  useEffect(() => {
    const failed = (e: unknown) => setPhase({ name: 'failed', message: errorText(e) })
    const lead = () =>
      openSession()
        .then((session) => (session.client ? ready(session, session.client) : setPhase({ name: 'welcome', session })))
        .catch(failed)
    electTab()
      .then((tab) => {
        if (tab.role === 'leader') return lead()
        setPhase({ name: 'following' })
        const promoted = new AbortController()
        let following: Following | undefined
        void tab.promoted.then(() => {
          promoted.abort(new Error('this tab leads now'))
          following?.stop()
          setPhase({ name: 'loading' })
          return lead()
        })
        return follow(promoted.signal).then(
          (f) => {
            following = f
            setPhase({ name: 'ready', session: f.session, messenger: f.messenger })
          },
          (e: unknown) => void (promoted.signal.aborted || failed(e)),
        )
      })
      .catch(failed)
  }, [])

  switch (phase.name) {
    case 'loading':
      return (
        <div class="centre" role="status" aria-live="polite">
          <p class="muted">Opening Candor…</p>
        </div>
      )
    case 'following':
      return (
        <div class="centre" role="status" aria-live="polite">
          <p class="muted">Candor is open in another tab of this browser. Sign in there; this tab follows it.</p>
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

// The connection as people should understand it: a small dot when all is well, a clear banner
// when messages cannot go out or come in.
import type { ConnectionState } from '@candor/sdk'

const LABEL: Record<ConnectionState, string> = {
  online: 'Online',
  connecting: 'Connecting…',
  offline: 'Offline',
  closed: 'Signed out',
}

export function ConnectionBanner({ state, compact = false }: { state: ConnectionState; compact?: boolean }) {
  if (compact) {
    return (
      <span class={`status-dot ${state}`} data-testid="connection-state" data-state={state} title={LABEL[state]}>
        <span class="visually-hidden">{LABEL[state]}</span>
      </span>
    )
  }
  if (state === 'online') return null
  return (
    <div class={`banner ${state === 'closed' ? 'danger' : 'warning'}`} role="status" aria-live="polite" data-testid="offline-banner">
      {state === 'closed'
        ? 'This device is signed out: it may have been revoked from another device.'
        : state === 'connecting'
          ? 'Connecting to the server…'
          : 'You are offline. Messages will send when the connection is back; reconnecting…'}
    </div>
  )
}

// The connection as people should understand it: a small dot when all is well, a clear banner
// when messages cannot go out or come in.
import type { ConnectionState } from '@candor/sdk'

const LABEL: Record<ConnectionState, string> = {
  online: 'Online',
  connecting: 'Connecting…',
  offline: 'Offline',
  closed: 'Signed out',
}

/** `ended`: why the server ended this device's session for good; said instead of the state. */
export function ConnectionBanner({ state, ended, compact = false }: { state: ConnectionState; ended?: string | undefined; compact?: boolean }) {
  if (compact) {
    return (
      <span class={`status-dot ${state}`} data-testid="connection-state" data-state={state} title={LABEL[state]}>
        <span class="visually-hidden">{LABEL[state]}</span>
      </span>
    )
  }
  if (ended !== undefined) {
    return (
      <div class="banner danger" role="alert" data-testid="offline-banner" data-ended="true">
        {ended}
      </div>
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

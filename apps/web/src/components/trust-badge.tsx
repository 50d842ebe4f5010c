import type { TrustState } from '../state/verification.ts'

const TEXT: Record<TrustState, string> = { unverified: 'Not verified', verified: 'Verified', changed: 'Keys changed!' }

export function TrustBadge({ state }: { state: TrustState }) {
  return (
    <span class={`trust ${state}`} data-testid="trust" data-state={state}>
      {TEXT[state]}
    </span>
  )
}

// What a console screen says above its controls: why it could not load (each load's error), why
// an action was refused (the server's refusal in plain words) and what an action did.
import type { Action } from './use-admin.ts'

export function AdminOutcome({ loads = [], act, testId }: { loads?: readonly (string | null)[]; act: Action; testId?: string }) {
  return (
    <>
      {[...loads, act.error].map(
        (e, i) =>
          e !== null && (
            <p key={i} class="error" role="alert">
              {e}
            </p>
          ),
      )}
      {act.message && (
        <p role="status" data-testid={testId}>
          {act.message}
        </p>
      )}
    </>
  )
}

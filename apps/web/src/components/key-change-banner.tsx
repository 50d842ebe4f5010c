// The prominent warning: someone here was verified, and their device keys are no longer the
// keys that were verified. Until the person checks again, they should not trust this chat.
import { href } from '../router.ts'
import type { Messenger } from '../state/messenger.ts'
import { useObservable } from '../state/observable.ts'

export function KeyChangeBanner({ messenger, conversation, users }: { messenger: Messenger; conversation: string; users: readonly string[] }) {
  useObservable(messenger.verification)
  const changed = users.filter((u) => messenger.verification.state(u) === 'changed')
  if (changed.length === 0) return null
  return (
    <div class="banner danger key-change" role="alert" data-testid="key-change-warning">
      <strong>Security warning.</strong>{' '}
      {changed.map((u, i) => (
        <span key={u}>
          {i > 0 && ', '}
          <a href={href({ name: 'safety', id: conversation, userId: u })}>{u}</a>
        </span>
      ))}{' '}
      {changed.length === 1 ? 'has' : 'have'} different device keys from the ones you verified. A new device may have been added — or
      someone may be intercepting. Compare safety numbers again before sharing anything sensitive.
    </div>
  )
}

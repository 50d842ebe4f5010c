// Offers notifications once there is a conversation to be notified of — asked on the person's
// click, never on load. Mounting it starts the tab's Attention (title, icon, sound, notifications).
import type { LocalStore } from '@candor/sdk'
import { attentionFor } from '../pwa/attention.ts'
import type { Messenger } from '../state/messenger.ts'
import { useObservable } from '../state/observable.ts'

export function NotificationPrompt({ messenger, store }: { messenger: Messenger; store: LocalStore }) {
  const attention = attentionFor(messenger, store)
  useObservable(attention)
  if (!attention.shouldPrompt) return null
  return (
    <div class="banner info prompt" data-testid="notification-prompt">
      <span>Get a notification when a message arrives while Candor is in the background?</span>
      <span class="prompt-actions">
        <button type="button" class="button primary" onClick={() => void attention.enable()}>
          Turn on notifications
        </button>
        <button type="button" class="button" onClick={() => void attention.dismissPrompt()}>
          Not now
        </button>
      </span>
    </div>
  )
}

// Settings → Notifications: desktop notifications (asks the browser when turned on) and the sound.
import type { LocalStore } from '@candor/sdk'
import { attentionFor } from '../pwa/attention.ts'
import type { Messenger } from '../state/messenger.ts'
import { useObservable } from '../state/observable.ts'

export function NotificationSettings({ messenger, store }: { messenger: Messenger; store: LocalStore }) {
  const attention = attentionFor(messenger, store)
  useObservable(attention)
  const permission = attention.permission
  return (
    <section aria-labelledby="notifications-title" class="card inset">
      <h3 id="notifications-title">Notifications</h3>
      <label class="toggle">
        <input
          type="checkbox"
          checked={attention.notify && permission === 'granted'}
          disabled={permission === 'unsupported' || permission === 'denied'}
          onChange={(e) => void attention.setNotify(e.currentTarget.checked)}
        />{' '}
        Show a notification when a message arrives while Candor is in the background
      </label>
      {permission === 'denied' && <p class="muted small">This browser blocks notifications from Candor; allow them in the browser’s site settings.</p>}
      {permission === 'unsupported' && <p class="muted small">This browser cannot show notifications.</p>}
      <label class="toggle">
        <input type="checkbox" checked={attention.sound} onChange={(e) => void attention.setSound(e.currentTarget.checked)} /> Play a sound for new messages
      </label>
      <p class="muted small">A muted conversation (in “Who can read this?”) makes no notification or sound and does not count in the tab’s title.</p>
    </section>
  )
}

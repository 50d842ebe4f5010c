// Alerts from the key-directory checks, above everything until dismissed: a device on the
// person's own account that none of their devices approved, a contact's device the directory
// does not prove, a directory proof that fails, or a contact who was shown a different
// directory or access log (a split view).
import { href } from '../router.ts'
import type { Messenger } from '../state/messenger.ts'

export function SecurityAlerts({ messenger }: { messenger: Messenger }) {
  if (messenger.alerts.length === 0) return null
  return (
    <div class="security-alerts">
      {messenger.alerts.map((a) => (
        <div key={a.id} class="banner danger" role="alert" data-testid="security-alert" data-kind={a.kind}>
          <strong>Security alert.</strong> {a.text}{' '}
          {a.kind === 'unknown_device' && <a href={href({ name: 'settings' })}>Open Settings</a>}
          <button type="button" class="icon" aria-label="Dismiss this alert" onClick={() => messenger.dismissAlert(a.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  )
}

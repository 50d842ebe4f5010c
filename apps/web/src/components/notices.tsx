// Short-lived notices (a failure somewhere, being removed from a conversation).
import type { Messenger } from '../state/messenger.ts'

export function Notices({ messenger }: { messenger: Messenger }) {
  return (
    <div class="notices" role="status" aria-live="polite">
      {messenger.notices.map((n) => (
        <div class="notice" key={n.id}>
          <span>{n.text}</span>
          <button type="button" class="icon" aria-label="Dismiss" onClick={() => messenger.dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  )
}

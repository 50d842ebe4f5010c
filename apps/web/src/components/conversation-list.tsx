// The conversation list: title, last message, unread count, and a mark when a verified
// contact's keys changed.
import { href } from '../router.ts'
import type { Messenger } from '../state/messenger.ts'
import type { UiMessage } from '../state/ui-message.ts'
import { useObservable } from '../state/observable.ts'
import { ConversationPicture } from './conversation-picture.tsx'
import { formatTime } from './time.ts'

export function ConversationList({ messenger, current }: { messenger: Messenger; current: string | undefined }) {
  useObservable(messenger.verification)
  const list = messenger.conversations
  if (list.length === 0) {
    return <p class="muted pad">No conversations yet. Choose “New” to start one.</p>
  }
  return (
    <ul class="conversation-list" role="list">
      {list.map((c) => {
        const warn = c.others.some((u) => messenger.verification.state(u) === 'changed')
        return (
          <li key={c.id}>
            <a
              href={href({ name: 'conversation', id: c.id })}
              class={`conversation-item ${c.id === current ? 'current' : ''} ${c.status !== 'active' ? 'inactive' : ''}`}
              aria-current={c.id === current ? 'page' : undefined}
              data-testid="conversation-item"
              data-members={c.members.join(',')}
            >
              <ConversationPicture messenger={messenger} conversation={c.id} fallback={c.others.length > 1 ? c.others.length : (c.others[0] ?? '?').slice(0, 1).toUpperCase()} />
              <span class="conversation-text">
                <span class="conversation-title">
                  {warn && <span class="warn-mark" aria-hidden="true">⚠ </span>}
                  {c.title}
                  {/* Said to screen readers, as part of the link's visible text (WCAG 2.5.3: the name holds what is seen). */}
                  {warn && <span class="visually-hidden">, keys changed</span>}
                  {c.status !== 'active' && <span class="visually-hidden">, {c.status}</span>}
                </span>
                <span class="conversation-last muted">
                  {c.status === 'removed' ? 'You were removed' : c.status === 'left' ? 'You left' : c.last ? `${c.last.direction === 'out' ? 'You: ' : c.others.length > 1 ? `${c.last.from}: ` : ''}${c.last.text || fileLine(c.last)}` : 'No messages yet'}
                </span>
              </span>
              <span class="conversation-meta">
                {c.last && <time class="muted small">{formatTime(c.last.sentAt)}</time>}
                {c.unread > 0 && (
                  <>
                    <span class="badge" data-testid="unread">
                      {c.unread}
                    </span>
                    <span class="visually-hidden"> unread</span>
                  </>
                )}
              </span>
            </a>
          </li>
        )
      })}
    </ul>
  )
}

/** A message with no text but a file: its name, as the last line of a conversation. */
function fileLine(m: UiMessage): string {
  const name = m.attachments?.[0]?.name ?? m.uploading?.name
  return name ? `File: ${name}` : ''
}

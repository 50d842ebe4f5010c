// Messages, oldest first, kept scrolled to the newest unless the reader has scrolled up. A
// timer notice, or the notice that a message could not be decrypted, shows as a line of its
// own, not as a message someone wrote; a message this version cannot show stays in its place,
// from its sender, saying so; the person's own message says which recipients' devices could
// not decrypt it. Expired messages leave the list when the device deletes them (the Messenger
// drops them on the SDK's event). Membership lines ("X added Y", "X left") and renames are
// notices too; a message someone wrote is a MessageItem (its quote, edits, reactions, actions).
import { useLayoutEffect, useRef } from 'preact/hooks'
import type { Messenger } from '../state/messenger.ts'
import type { UiMessage } from '../state/ui-message.ts'
import { formatTime } from './time.ts'
import { MessageItem, type MessageActions } from './message-item.tsx'

export function MessageList({ messenger, messages, showSender, actions }: { messenger: Messenger; messages: readonly UiMessage[]; showSender: boolean; actions: MessageActions }) {
  const ref = useRef<HTMLOListElement>(null)
  const stick = useRef(true)
  useLayoutEffect(() => {
    const el = ref.current
    if (el && stick.current) el.scrollTop = el.scrollHeight
  }, [messages.length, messages.at(-1)?.delivery, messages.at(-1)?.reactions])

  return (
    <ol
      class="messages"
      ref={ref}
      aria-live="polite"
      aria-label="Messages"
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40
      }}
    >
      {messages.length === 0 && <li class="muted pad centre-text">No messages yet. Say hello — only the people in this conversation can read it.</li>}
      {messages.map((m) =>
        m.kind === 'timer' || m.kind === 'undecryptable' || m.kind === 'reset' || m.kind === 'rejoined' || m.kind === 'members' || m.kind === 'conversation' || m.kind === 'left' || m.kind === 'archive' ? (
          <li key={m.id} class="muted small centre-text" data-testid={`${m.kind}-notice`}>
            {m.kind === 'archive' && m.archive ? `Archived by ${messenger.orgLabel(m.archive.org)}, policy v${m.archive.policyVersion}` : m.text} · <time dateTime={new Date(m.sentAt).toISOString()}>{formatTime(m.sentAt)}</time>
          </li>
        ) : m.kind === 'unsupported' ? (
          <li key={m.id} class={`message ${m.direction} unsupported`} data-testid="unsupported-message" data-direction={m.direction}>
            {showSender && m.direction === 'in' && <span class="sender">{messenger.personLabel(m.from)}</span>}
            <p class="text muted">
              <em>{m.text}</em>
            </p>
            <span class="meta small">
              <time dateTime={new Date(m.sentAt).toISOString()}>{formatTime(m.sentAt)}</time>
            </span>
          </li>
        ) : (
          <MessageItem key={m.id} messenger={messenger} m={m} showSender={showSender} actions={actions} />
        ),
      )}
    </ol>
  )
}

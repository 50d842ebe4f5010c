// Messages, oldest first, kept scrolled to the newest unless the reader has scrolled up. A
// timer notice, or the notice that a message could not be decrypted, shows as a line of its
// own, not as a message someone wrote; a message this version cannot show stays in its place,
// from its sender, saying so; the person's own message says which recipients' devices could
// not decrypt it. Expired messages leave the list when the device deletes them (the Messenger
// drops them on the SDK's event).
import { useLayoutEffect, useRef } from 'preact/hooks'
import type { Messenger, UiMessage } from '../state/messenger.ts'
import { failedForText } from '../state/delivery-failure-text.ts'
import { formatTime } from './time.ts'
import { AttachmentItem } from './attachment-item.tsx'

const DELIVERY_LABEL = { sending: 'Sending…', sent: 'Sent', failed: 'Not sent', received: '' } as const

export function MessageList({ messenger, messages, showSender }: { messenger: Messenger; messages: readonly UiMessage[]; showSender: boolean }) {
  const ref = useRef<HTMLOListElement>(null)
  const stick = useRef(true)
  useLayoutEffect(() => {
    const el = ref.current
    if (el && stick.current) el.scrollTop = el.scrollHeight
  }, [messages.length, messages.at(-1)?.delivery])

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
        m.kind === 'timer' || m.kind === 'undecryptable' || m.kind === 'reset' || m.kind === 'rejoined' ? (
          <li key={m.id} class="muted small centre-text" data-testid={`${m.kind}-notice`}>
            {m.text} · <time dateTime={new Date(m.sentAt).toISOString()}>{formatTime(m.sentAt)}</time>
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
          <li key={m.id} class={`message ${m.direction}`} data-testid="message" data-direction={m.direction} data-delivery={m.delivery}>
            {showSender && m.direction === 'in' && <span class="sender">{messenger.personLabel(m.from)}</span>}
            {m.text !== '' && <p class="text">{m.text}</p>}
            {m.uploading && m.delivery !== 'sent' && (
              <div class="attachment" data-testid="uploading">
                <span class="file-name">{m.uploading.name}</span>{' '}
                <progress max={100} value={m.uploading.percent} aria-label={`Uploading ${m.uploading.name}`} />
              </div>
            )}
            {m.attachments?.map((a) => <AttachmentItem key={a.blob} messenger={messenger} file={a} />)}
            <span class="meta small">
              <time dateTime={new Date(m.sentAt).toISOString()}>{formatTime(m.sentAt)}</time>
              {m.transferred && (
                <span class="transferred" data-testid="transferred" title="From your history transfer or backup, not received live by this device">
                  {' · transferred'}
                </span>
              )}
              {m.direction === 'out' && (
                <span class={`delivery ${m.delivery}`} data-testid="delivery">
                  {' · '}
                  {DELIVERY_LABEL[m.delivery]}
                </span>
              )}
            </span>
            {m.failedFor?.map((f) => (
              <span key={f.deviceId} class="failed small" role="status" data-testid="failed-for">
                {failedForText(f, messenger.deviceName(f.deviceId))}
              </span>
            ))}
            {m.delivery === 'failed' && (
              <span class="failed small" role="alert">
                {m.error}{' '}
                {!m.uploading && (
                  <button type="button" class="link" onClick={() => void messenger.retry(m)}>
                    Retry
                  </button>
                )}
              </span>
            )}
          </li>
        ),
      )}
    </ol>
  )
}

// One message someone wrote, with what the conversation features add: the message it quotes,
// an "edited" mark, "Message deleted" in place of a deleted one, its reactions (a list), the
// delivered/read state of the person's own, and its actions — Reply, React, and for the
// person's own Edit and Delete. Every button's accessible name is its visible text.
import type { Messenger } from '../state/messenger.ts'
import type { UiMessage } from '../state/ui-message.ts'
import { failedForText } from '../state/delivery-failure-text.ts'
import { formatTime } from './time.ts'
import { PersonAvatar } from './person-avatar.tsx'
import { AttachmentItem } from './attachment-item.tsx'

const DELIVERY_LABEL = { sending: 'Sending…', sent: 'Sent', failed: 'Not sent', received: '' } as const
const RECEIPT_LABEL = { delivered: 'Delivered', read: 'Read' } as const
/** The reactions offered with one click (any emoji can arrive from others). */
export const QUICK_REACTIONS = ['👍', '❤️', '😂'] as const

export interface MessageActions {
  onReply(m: UiMessage): void
  onEdit(m: UiMessage): void
}

export function MessageItem({ messenger, m, showSender, actions }: { messenger: Messenger; m: UiMessage; showSender: boolean; actions: MessageActions }) {
  const me = messenger.client.userId
  const features = messenger.client.features
  const settled = m.delivery === 'sent' || m.delivery === 'received'
  const canAct = settled && !m.deleted && messenger.ended === undefined
  const run = (what: string, p: Promise<void>) => void p.catch((e: unknown) => messenger.notify(`Could not ${what}: ${e instanceof Error ? e.message : String(e)}`))
  const reactions = Object.entries(m.reactions ?? {})
  return (
    <li
      class={`message ${m.direction}${m.mentioned ? ' mentioned' : ''}${m.deleted ? ' deleted' : ''}`}
      data-testid="message"
      data-id={m.id}
      data-direction={m.direction}
      data-delivery={m.delivery}
      {...(m.receipt ? { 'data-receipt': m.receipt } : {})}
    >
      {showSender && m.direction === 'in' && <PersonAvatar messenger={messenger} userId={m.from} />}
      {showSender && m.direction === 'in' && <span class="sender">{messenger.personLabel(m.from)}</span>}
      {m.replyTo && !m.deleted && (
        <blockquote class="quote small" data-testid="quote">
          <span class="sender">{m.replyTo.from}</span> {m.replyTo.excerpt === '' ? <em>Message deleted</em> : m.replyTo.excerpt}
        </blockquote>
      )}
      {m.deleted ? (
        <p class="text muted" data-testid="deleted">
          <em>Message deleted</em>
        </p>
      ) : (
        m.text !== '' && <p class="text">{m.text}</p>
      )}
      {m.uploading && m.delivery !== 'sent' && (
        <div class="attachment" data-testid="uploading">
          <span class="file-name">{m.uploading.name}</span> <progress max={100} value={m.uploading.percent} aria-label={`Uploading ${m.uploading.name}`} />
        </div>
      )}
      {!m.deleted && m.attachments?.map((a) => <AttachmentItem key={a.blob} messenger={messenger} file={a} />)}
      {reactions.length > 0 && (
        <ul class="reactions" aria-label="Reactions" data-testid="reactions">
          {reactions.map(([emoji, users]) => (
            <li key={emoji} data-emoji={emoji} data-count={users.length} title={users.join(', ')}>
              {emoji} {users.length}
            </li>
          ))}
        </ul>
      )}
      <span class="meta small">
        <time dateTime={new Date(m.sentAt).toISOString()}>{formatTime(m.sentAt)}</time>
        {m.transferred && (
          <span class="transferred" data-testid="transferred" title="From your history transfer or backup, not received live by this device">
            {' · transferred'}
          </span>
        )}
        {m.edited && !m.deleted && (
          <span class="edited" data-testid="edited">
            {' · '}edited
          </span>
        )}
        {m.direction === 'out' && (
          <span class={`delivery ${m.delivery}`} data-testid="delivery">
            {' · '}
            {m.delivery === 'sent' && m.receipt ? RECEIPT_LABEL[m.receipt] : DELIVERY_LABEL[m.delivery]}
          </span>
        )}
      </span>
      {canAct && (
        <div class="message-actions small" data-testid="message-actions">
          <button type="button" class="link" onClick={() => actions.onReply(m)}>
            Reply
          </button>
          {QUICK_REACTIONS.map((e) => {
            const mine = m.reactions?.[e]?.includes(me) ?? false
            return (
              <button key={e} type="button" class="link" aria-pressed={mine} onClick={() => run('react', features.react(m.conversation, m.id, e, !mine))}>
                React {e}
              </button>
            )
          })}
          {m.direction === 'out' && m.from === me && (
            <>
              <button type="button" class="link" onClick={() => actions.onEdit(m)}>
                Edit
              </button>
              <button type="button" class="link" onClick={() => run('delete the message', features.delete(m.conversation, m.id))}>
                Delete
              </button>
            </>
          )}
        </div>
      )}
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
  )
}

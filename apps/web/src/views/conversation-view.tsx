// One conversation: who is in it, its disappearing timer, a warning if a verified contact's
// keys changed, the messages and the composer.
import { useEffect, useRef } from 'preact/hooks'
import { formatTimer } from '@candor/sdk'
import { Composer } from '../components/composer.tsx'
import { KeyChangeBanner } from '../components/key-change-banner.tsx'
import { MessageList } from '../components/message-list.tsx'
import { href } from '../router.ts'
import type { Messenger } from '../state/messenger.ts'

export function ConversationView({ messenger, id }: { messenger: Messenger; id: string }) {
  const c = messenger.conversation(id)
  if (!c) {
    return (
      <section class="pane">
        <PaneHeader title="Conversation" />
        <p class="muted pad">This conversation is not on this device.</p>
      </section>
    )
  }
  const group = c.others.length !== 1
  return (
    <section class="pane conversation" aria-labelledby="conversation-title">
      <PaneHeader
        title={c.title}
        titleId="conversation-title"
        subtitle={group ? `${c.members.length} members` : 'Direct conversation'}
        note={
          c.timer !== null && (
            <span class="muted small" data-testid="timer" data-ms={c.timer}>
              Messages disappear after {formatTimer(c.timer)}
            </span>
          )
        }
      >
        <a class="button" href={href({ name: 'info', id })} data-testid="who-can-read">
          Who can read this?
        </a>
      </PaneHeader>
      <KeyChangeBanner messenger={messenger} conversation={id} users={c.others} />
      <MessageList messenger={messenger} messages={messenger.messages(id)} showSender={group} />
      {messenger.ended !== undefined ? (
        <p class="banner danger" role="status" data-testid="session-ended">
          {messenger.ended} Messages can no longer be sent from it.
        </p>
      ) : c.status === 'active' ? (
        <Composer onSend={(text) => messenger.send(id, text)} onAttach={(file) => messenger.sendFile(id, file)} label={`Message ${c.title}`} draft={messenger.draft(id)} />
      ) : (
        <p class="banner info" role="status" data-testid="inactive-banner">
          {c.status === 'removed'
            ? 'You were removed from this conversation. You can read its history but not send.'
            : c.status === 'transferred'
              ? 'This history came from your backup. To write, start a new conversation.'
              : 'You left this conversation.'}
        </p>
      )}
    </section>
  )
}

export function PaneHeader({
  title,
  titleId,
  subtitle,
  back = href({ name: 'home' }),
  note,
  children,
}: {
  title: string
  titleId?: string
  subtitle?: string
  back?: string
  /** A second line under the subtitle (the disappearing timer). */
  note?: preact.ComponentChildren
  children?: preact.ComponentChildren
}) {
  // A new screen moves focus to its title, so keyboard and screen-reader users land on it
  // (a composer further down takes focus after this, in a conversation).
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus({ preventScroll: true }), [])
  return (
    <header class="bar pane-header">
      <a class={`button back ${back === href({ name: 'home' }) ? '' : 'always'}`} href={back} aria-label="Back">
        ‹
      </a>
      <div class="pane-title">
        <h2 id={titleId} ref={heading} tabIndex={-1}>
          {title}
        </h2>
        {subtitle && <span class="muted small">{subtitle}</span>}
        {note}
      </div>
      <div class="bar-actions">{children}</div>
    </header>
  )
}

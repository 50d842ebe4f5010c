// One conversation: who is in it, its name and topic (Rename), its disappearing timer, a warning if a
// verified contact's keys changed, a notice if a legal hold applies, the messages, who is typing, and the composer (which also
// replies and edits).
import { useEffect, useRef, useState } from 'preact/hooks'
import { formatTimer } from '@candor/sdk'
import { Composer } from '../components/composer.tsx'
import { KeyChangeBanner } from '../components/key-change-banner.tsx'
import { MessageList } from '../components/message-list.tsx'
import { href } from '../router.ts'
import type { Messenger } from '../state/messenger.ts'
import type { UiMessage } from '../state/ui-message.ts'
import { RenameForm } from '../components/rename-form.tsx'
import { ConversationPicture, ConversationPictureButton } from '../components/conversation-picture.tsx'
import { TypingIndicator } from '../components/typing-indicator.tsx'
import { LegalHoldNotice } from '../components/legal-hold-notice.tsx'

export function ConversationView({ messenger, id }: { messenger: Messenger; id: string }) {
  const c = messenger.conversation(id)
  const [replyingTo, setReplyingTo] = useState<UiMessage | undefined>(undefined)
  const [editing, setEditing] = useState<UiMessage | undefined>(undefined)
  const [renaming, setRenaming] = useState(false)
  if (!c) {
    return (
      <section class="pane">
        <PaneHeader title="Conversation" />
        <p class="muted pad">This conversation is not on this device.</p>
      </section>
    )
  }
  const group = c.others.length !== 1
  const info = messenger.client.features.info(id)
  return (
    <section class="pane conversation" aria-labelledby="conversation-title">
      <PaneHeader
        title={c.title}
        titleId="conversation-title"
        subtitle={group ? `${c.members.length} members` : 'Direct conversation'}
        note={
          <>
            {info.topic && (
              // The topic, set by a member (end-to-end encrypted): one line, in full on hover.
              <span class="muted small" data-testid="topic" title={info.topic} style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                <span class="visually-hidden">Topic: </span>
                {info.topic}
              </span>
            )}
            {c.timer !== null && (
              <span class="muted small" data-testid="timer" data-ms={c.timer}>
                Messages disappear after {formatTimer(c.timer)}
              </span>
            )}
          </>
        }
      >
        {group && <ConversationPicture messenger={messenger} conversation={id} fallback={c.members.length} />}
        {c.status === 'active' && messenger.ended === undefined && (
          <button type="button" class="button" onClick={() => setRenaming(!renaming)} aria-expanded={renaming}>
            Rename
          </button>
        )}
        {group && c.status === 'active' && messenger.ended === undefined && <ConversationPictureButton messenger={messenger} conversation={id} />}
        <a class="button" href={href({ name: 'info', id })} data-testid="who-can-read">
          Who can read this?
        </a>
      </PaneHeader>
      {renaming && <RenameForm messenger={messenger} conversation={id} current={info.name ?? ''} currentTopic={info.topic ?? ''} onDone={() => setRenaming(false)} />}
      <KeyChangeBanner messenger={messenger} conversation={id} users={c.others} />
      <LegalHoldNotice messenger={messenger} id={id} refresh={c.members.join(',')} />
      <MessageList
        messenger={messenger}
        messages={messenger.messages(id)}
        showSender={group}
        actions={{
          onReply: (m) => {
            setEditing(undefined)
            setReplyingTo(m)
          },
          onEdit: (m) => {
            setReplyingTo(undefined)
            setEditing(m)
          },
        }}
      />
      <TypingIndicator users={messenger.client.features.typingIn(id)} />
      {messenger.ended !== undefined ? (
        <p class="banner danger" role="status" data-testid="session-ended">
          {messenger.ended} Messages can no longer be sent from it.
        </p>
      ) : c.status === 'active' ? (
        <Composer
          onSend={async (text) => {
            const reply = replyingTo
            const edit = editing
            setReplyingTo(undefined)
            setEditing(undefined)
            try {
              if (edit) await messenger.client.features.edit(id, edit.id, text)
              else return await messenger.send(id, text, reply?.id)
            } catch (e) {
              messenger.notify(`Not sent: ${e instanceof Error ? e.message : String(e)}`)
            }
          }}
          onAttach={(file) => messenger.sendFile(id, file)}
          onTyping={(on) => void messenger.client.features.typing(id, on).catch(() => undefined)}
          label={`Message ${c.title}`}
          draft={messenger.draft(id)}
          mode={{
            replyingTo,
            editing,
            onCancel: () => {
              setReplyingTo(undefined)
              setEditing(undefined)
            },
          }}
        />
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

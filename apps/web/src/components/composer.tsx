// The message box: Enter sends, Shift+Enter makes a new line. While replying it shows the
// message quoted (Cancel drops the reply); while editing it holds the message's text and Enter
// saves the edit. Typing tells the members online (at most every 3 s), and sending stops it.
// The draft is kept per conversation (state/drafts.ts); the text limit is stated before sending
// (text-limit.tsx), never a silent cut.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { UiMessage } from '../state/ui-message.ts'
import type { Draft } from '../state/drafts.ts'
import { TEXT_LIMIT_BYTES, TextLimit, utf8Bytes } from './text-limit.tsx'

const TYPING_EVERY_MS = 3_000

export interface ComposerMode {
  replyingTo?: UiMessage | undefined
  editing?: UiMessage | undefined
  onCancel(): void
}

export function Composer({
  onSend,
  onAttach,
  onTyping,
  label,
  mode,
  draft,
}: {
  onSend: (text: string) => Promise<void>
  onAttach?: (file: File) => Promise<void>
  onTyping?: (on: boolean) => void
  label: string
  mode?: ComposerMode
  draft?: Draft
}) {
  const [text, setTextState] = useState('')
  const ref = useRef<HTMLTextAreaElement>(null)
  const fileRef = useRef<HTMLInputElement>(null)
  const typedAt = useRef(0)
  useEffect(() => ref.current?.focus({ preventScroll: true }), [])
  useEffect(() => {
    void draft?.load().then((d) => d && setTextState((t) => t || d))
  }, [])
  // The draft is what the person was writing, never the text of a message being edited.
  const setText = (t: string) => {
    setTextState(t)
    if (!mode?.editing) draft?.save(t)
  }
  const tooLong = utf8Bytes(text) > TEXT_LIMIT_BYTES
  const sendAsFile =
    onAttach && !mode?.editing
      ? () => {
          void onAttach(new File([text], 'message.txt', { type: 'text/plain' }))
          setText('')
        }
      : undefined
  // Editing starts from the message's text; a reply or edit takes the focus.
  const editing = mode?.editing
  useEffect(() => {
    if (editing) setTextState(editing.text)
    if (mode?.editing || mode?.replyingTo) ref.current?.focus()
  }, [editing?.id, mode?.replyingTo?.id])

  const submit = (e?: Event) => {
    e?.preventDefault()
    const t = text.trim()
    if (!t || tooLong) return
    setText('')
    if (typedAt.current > 0) onTyping?.(false)
    typedAt.current = 0
    void onSend(t)
    ref.current?.focus()
  }

  return (
    <form class="composer" onSubmit={submit}>
      {(mode?.replyingTo || mode?.editing) && (
        <div class="composer-mode small" data-testid={mode.editing ? 'editing' : 'replying'}>
          <span>
            {mode.editing ? 'Editing your message' : `Replying to ${mode.replyingTo!.from}: `}
            {!mode.editing && <q>{mode.replyingTo!.text.slice(0, 80)}</q>}
          </span>{' '}
          <button
            type="button"
            class="link"
            onClick={() => {
              if (mode.editing) setTextState('')
              mode.onCancel()
            }}
          >
            Cancel
          </button>
        </div>
      )}
      {onAttach && !mode?.editing && (
        <>
          <input
            ref={fileRef}
            id="composer-file"
            class="visually-hidden"
            type="file"
            data-testid="attach-input"
            tabIndex={-1}
            aria-hidden="true"
            onChange={(e) => {
              const input = e.currentTarget
              for (const f of Array.from(input.files ?? [])) void onAttach(f)
              input.value = ''
            }}
          />
          <button type="button" class="attach" data-testid="attach" title="Attach a file (encrypted on this device)" onClick={() => fileRef.current?.click()}>
            Attach a file
          </button>
        </>
      )}
      <label class="visually-hidden" for="composer-text">
        {label}
      </label>
      <textarea
        id="composer-text"
        ref={ref}
        rows={1}
        placeholder="Write a message"
        value={text}
        aria-invalid={tooLong}
        onInput={(e) => {
          setText(e.currentTarget.value)
          const now = Date.now()
          if (onTyping && e.currentTarget.value !== '' && now - typedAt.current > TYPING_EVERY_MS) {
            typedAt.current = now
            onTyping(true)
          }
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) submit(e)
          if (e.key === 'Escape' && mode && (mode.editing || mode.replyingTo)) mode.onCancel()
        }}
      />
      <button class="primary" type="submit" disabled={!text.trim() || tooLong}>
        {mode?.editing ? 'Save' : 'Send'}
      </button>
      <TextLimit text={text} onSendAsFile={sendAsFile} />
    </form>
  )
}

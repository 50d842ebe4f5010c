// The message box: Enter sends, Shift+Enter makes a new line. The draft is kept per
// conversation (state/drafts.ts); the text limit is stated before sending (text-limit.tsx).
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Draft } from '../state/drafts.ts'
import { TEXT_LIMIT_BYTES, TextLimit, utf8Bytes } from './text-limit.tsx'

export function Composer({ onSend, onAttach, label, draft }: { onSend: (text: string) => Promise<void>; onAttach?: (file: File) => Promise<void>; label: string; draft?: Draft }) {
  const [text, setTextState] = useState('')
  const ref = useRef<HTMLTextAreaElement>(null)
  const fileRef = useRef<HTMLInputElement>(null)
  useEffect(() => ref.current?.focus({ preventScroll: true }), [])
  useEffect(() => {
    void draft?.load().then((d) => d && setTextState((t) => t || d))
  }, [])
  const setText = (t: string) => {
    setTextState(t)
    draft?.save(t)
  }
  const tooLong = utf8Bytes(text) > TEXT_LIMIT_BYTES
  const sendAsFile = onAttach
    ? () => {
        void onAttach(new File([text], 'message.txt', { type: 'text/plain' }))
        setText('')
      }
    : undefined

  const submit = (e?: Event) => {
    e?.preventDefault()
    const t = text.trim()
    if (!t || tooLong) return
    setText('')
    void onSend(t)
    ref.current?.focus()
  }

  return (
    <form class="composer" onSubmit={submit}>
      {onAttach && (
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
          <button type="button" class="attach" data-testid="attach" aria-label="Attach a file" title="Attach a file (encrypted on this device)" onClick={() => fileRef.current?.click()}>
            Attach
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
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) submit(e)
        }}
      />
      <button class="primary" type="submit" disabled={!text.trim() || tooLong}>
        Send
      </button>
      <TextLimit text={text} onSendAsFile={sendAsFile} />
    </form>
  )
}

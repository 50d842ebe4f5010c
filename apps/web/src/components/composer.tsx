// The message box: Enter sends, Shift+Enter makes a new line.
import { useEffect, useRef, useState } from 'preact/hooks'

export function Composer({ onSend, onAttach, label }: { onSend: (text: string) => Promise<void>; onAttach?: (file: File) => Promise<void>; label: string }) {
  const [text, setText] = useState('')
  const ref = useRef<HTMLTextAreaElement>(null)
  const fileRef = useRef<HTMLInputElement>(null)
  useEffect(() => ref.current?.focus({ preventScroll: true }), [])

  const submit = (e?: Event) => {
    e?.preventDefault()
    const t = text.trim()
    if (!t) return
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
        maxLength={64 * 1024}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) submit(e)
        }}
      />
      <button class="primary" type="submit" disabled={!text.trim()}>
        Send
      </button>
    </form>
  )
}

// The message box: Enter sends, Shift+Enter makes a new line.
import { useEffect, useRef, useState } from 'preact/hooks'

export function Composer({ onSend, label }: { onSend: (text: string) => Promise<void>; label: string }) {
  const [text, setText] = useState('')
  const ref = useRef<HTMLTextAreaElement>(null)
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

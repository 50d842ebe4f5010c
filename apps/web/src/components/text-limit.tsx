// The text limit stated before sending (docs/protocol.md §2: 65,536 UTF-8 bytes): a counter
// as the message nears it, and past it a refusal that says so and offers to send the text as
// a file instead. Nothing is ever cut silently.
export const TEXT_LIMIT_BYTES = 65_536
const encoder = new TextEncoder()

export function utf8Bytes(s: string): number {
  // Every UTF-16 unit is at most 3 UTF-8 bytes: short texts need no encoding to measure.
  return s.length * 3 <= TEXT_LIMIT_BYTES * 0.9 ? s.length : encoder.encode(s).length
}

export function TextLimit({ text, onSendAsFile }: { text: string; onSendAsFile: (() => void) | undefined }) {
  const bytes = utf8Bytes(text)
  if (bytes <= TEXT_LIMIT_BYTES * 0.9) return null
  const n = (x: number) => x.toLocaleString('en')
  if (bytes <= TEXT_LIMIT_BYTES) {
    return (
      <p class="muted small text-limit" data-testid="text-limit">
        {n(bytes)} of {n(TEXT_LIMIT_BYTES)} bytes
      </p>
    )
  }
  return (
    <div class="banner danger text-limit" role="alert" data-testid="too-long">
      <span>
        This message is {n(bytes)} bytes; a message can hold at most {n(TEXT_LIMIT_BYTES)}. Shorten it{onSendAsFile ? ', or send it as a file' : ''}.
      </span>
      {onSendAsFile && (
        <button type="button" data-testid="send-as-file" onClick={onSendAsFile}>
          Send as a file
        </button>
      )}
    </div>
  )
}

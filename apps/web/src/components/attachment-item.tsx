// A file in a message: the sender's preview for an image (shown before any download), its
// name and size, and a button that downloads it, decrypts it in this
// browser, checks its SHA-256 and saves it. Progress shows while it downloads; a file that is
// not what its message describes (changed on the server) is refused with the reason.
import { useState } from 'preact/hooks'
import { CandorError, type AttachmentRef } from '@candor/protocol'
import type { Messenger } from '../state/messenger.ts'
import { errorText } from '../state/error-text.ts'
import { thumbnailUrl } from '../state/thumbnail.ts'

/** The server deletes a file once every recipient has it, or when its retention ends (docs/protocol.md §2.4). */
const GONE = 'This file is no longer on the server: it is deleted once everyone it was sent to has it, or after its retention period.'

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / (1024 * 1024)).toFixed(1)} MB`
}

export function AttachmentItem({ messenger, file }: { messenger: Messenger; file: AttachmentRef }) {
  const [state, setState] = useState<{ kind: 'idle' } | { kind: 'loading'; percent: number } | { kind: 'failed'; error: string }>({ kind: 'idle' })
  const download = async () => {
    setState({ kind: 'loading', percent: 0 })
    try {
      const blob = await messenger.downloadAttachment(file, (percent) => setState({ kind: 'loading', percent }))
      const url = URL.createObjectURL(blob)
      const a = document.createElement('a')
      a.href = url
      a.download = file.name
      a.rel = 'noopener'
      document.body.append(a)
      a.click()
      a.remove()
      setTimeout(() => URL.revokeObjectURL(url), 60_000)
      setState({ kind: 'idle' })
    } catch (e) {
      setState({ kind: 'failed', error: e instanceof CandorError && e.code === 'not_found' ? GONE : errorText(e) })
    }
  }
  return (
    <div class="attachment" data-testid="attachment">
      {file.thumbnail && (
        <img
          class="thumbnail"
          data-testid="thumbnail"
          src={thumbnailUrl(file.thumbnail)}
          width={file.thumbnail.width}
          height={file.thumbnail.height}
          alt={`Preview of ${file.name}`}
        />
      )}
      <span class="file-name">{file.name}</span> <span class="small muted">{formatSize(file.size)}</span>{' '}
      {state.kind === 'loading' ? (
        <progress max={100} value={state.percent} aria-label={`Downloading ${file.name}`} data-testid="download-progress" />
      ) : (
        <button type="button" class="link" data-testid="download" onClick={() => void download()}>
          Download
        </button>
      )}
      {state.kind === 'failed' && (
        <span class="failed small" role="alert" data-testid="download-failed">
          {state.error}
        </span>
      )}
    </div>
  )
}

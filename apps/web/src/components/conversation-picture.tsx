// A conversation's picture (docs/protocol.md "Conversation avatars"): the thumbnail the members
// set, shown in the list and the header; chosen here and made smaller in this browser (128 px,
// ≤ 16 KiB), sent inline in an encrypted `conversation` message. The server never sees it.
import { useState } from 'preact/hooks'
import { errorText } from '../state/error-text.ts'
import type { Messenger } from '../state/messenger.ts'
import { makeThumbnail, thumbnailUrl } from '../state/thumbnail.ts'

/** The picture in a round frame, or `fallback` (initials, a count) when the members set none. Decorative: the title beside it says which conversation. */
export function ConversationPicture({ messenger, conversation, fallback }: { messenger: Messenger; conversation: string; fallback: preact.ComponentChildren }) {
  const t = messenger.client.features.info(conversation).avatar
  return (
    <span class="avatar" aria-hidden="true">
      {t ? <img class="conversation-picture" data-testid="conversation-picture" src={thumbnailUrl(t)} width={38} height={38} alt="" /> : fallback}
    </span>
  )
}

/** "Picture…": choose an image for the conversation, for every member. */
export function ConversationPictureButton({ messenger, conversation }: { messenger: Messenger; conversation: string }) {
  const [busy, setBusy] = useState(false)
  const choose = (e: Event) => {
    const input = e.currentTarget as HTMLInputElement
    const file = input.files?.[0]
    input.value = ''
    if (!file) return
    setBusy(true)
    void (async () => {
      const t = await makeThumbnail(file, 128)
      if (!t) throw new Error('This browser cannot read that file as a picture. Choose a PNG, JPEG or WebP image.')
      await messenger.client.features.setAvatar(conversation, t)
    })()
      .catch((err: unknown) => messenger.notify(`Could not set the picture: ${errorText(err)}`))
      .finally(() => setBusy(false))
  }
  return (
    <label class={`button ${busy ? 'disabled' : ''}`}>
      Picture…
      <input type="file" accept="image/*" class="visually-hidden" data-testid="conversation-picture-file" disabled={busy} onChange={choose} />
    </label>
  )
}

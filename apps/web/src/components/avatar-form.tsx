// This person's picture (docs/protocol.md §2 Avatars): chosen here, made smaller in this browser
// (a 512 px picture and a 128 px thumbnail), sent encrypted to their conversations. The server
// never sees it: the picture is an encrypted blob, the thumbnail rides in the MLS message.
import { useState } from 'preact/hooks'
import { errorText } from '../state/error-text.ts'
import type { Messenger } from '../state/messenger.ts'
import { makeAvatar, thumbnailUrl } from '../state/thumbnail.ts'

export function AvatarForm({ messenger }: { messenger: Messenger }) {
  const client = messenger.client
  const [current, setCurrent] = useState(client.avatarOf(client.userId))
  const [status, setStatus] = useState<{ error: boolean; text: string } | null>(null)
  const [busy, setBusy] = useState(false)

  const apply = async (work: () => Promise<string>) => {
    setBusy(true)
    setStatus(null)
    try {
      setStatus({ error: false, text: await work() })
      setCurrent(client.avatarOf(client.userId))
    } catch (err) {
      setStatus({ error: true, text: errorText(err) })
    } finally {
      setBusy(false)
    }
  }

  const choose = (e: Event) => {
    const input = e.currentTarget as HTMLInputElement
    const file = input.files?.[0]
    input.value = ''
    if (!file) return
    void apply(async () => {
      const avatar = await makeAvatar(file)
      if (!avatar) throw new Error('This browser cannot read that file as a picture. Choose a PNG, JPEG or WebP image.')
      await client.setAvatar(avatar)
      return 'Saved. Your conversations show your new picture.'
    })
  }

  return (
    <section class="card inset stack" aria-labelledby="avatar-title">
      <h3 id="avatar-title">Your picture</h3>
      {current ? (
        <img class="person-picture large" data-testid="own-avatar" src={thumbnailUrl(current)} width={current.width} height={current.height} alt="Your picture" />
      ) : (
        <p class="muted small">No picture yet.</p>
      )}
      <label>
        Choose a picture
        <input type="file" accept="image/*" data-testid="avatar-file" disabled={busy} onChange={choose} aria-describedby="avatar-help" />
      </label>
      <p id="avatar-help" class="muted small">
        Made smaller in this browser and sent encrypted to your conversations; the server cannot see it.
      </p>
      {current && (
        <button type="button" class="link" disabled={busy} onClick={() => void apply(async () => (await client.setAvatar(null), 'Picture removed.'))}>
          Remove picture
        </button>
      )}
      {status && (
        <p class={status.error ? 'error' : 'muted small'} role={status.error ? 'alert' : 'status'}>
          {status.text}
        </p>
      )}
    </section>
  )
}

// Mutes one conversation on this device: no notification, no sound, not counted in the tab title.
import { attentionFor } from '../pwa/attention.ts'
import type { Messenger } from '../state/messenger.ts'
import { useObservable } from '../state/observable.ts'

export function MuteToggle({ messenger, id }: { messenger: Messenger; id: string }) {
  const attention = attentionFor(messenger)
  useObservable(attention)
  const muted = attention.isMuted(id)
  return (
    <button type="button" class="button" aria-pressed={muted} data-testid="mute-toggle" onClick={() => void attention.setMuted(id, !muted)}>
      {muted ? 'Unmute notifications' : 'Mute notifications'}
    </button>
  )
}

// A person's picture next to their name, from the thumbnail in their encrypted profile
// (docs/protocol.md §2 Avatars); nothing when they set none. Decorative: the name beside it
// says who it is, so screen readers skip it.
import type { Messenger } from '../state/messenger.ts'
import { thumbnailUrl } from '../state/thumbnail.ts'

export function PersonAvatar({ messenger, userId }: { messenger: Messenger; userId: string }) {
  const t = messenger.client.avatarOf(userId)
  if (!t) return null
  return <img class="person-picture" data-testid="avatar" data-user={userId} src={thumbnailUrl(t)} width={24} height={24} alt="" />
}

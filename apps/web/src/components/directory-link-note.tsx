// "Membership follows Engineering (directory)" (docs/protocol.md §5.9): the conversation follows a
// SCIM group of the organisation — people the identity provider adds to the group are added here,
// people it takes out are removed. Read from the server (a member's `GET …/directory-link`) when
// the conversation is opened and whenever its members change.
import { useEffect, useState } from 'preact/hooks'
import type { GroupDirectoryLink } from '@candor/protocol'
import type { Messenger } from '../state/messenger.ts'

export function DirectoryLinkNote({ messenger, id, refresh = '' }: { messenger: Messenger; id: string; refresh?: string }) {
  const [link, setLink] = useState<{ id: string; link: GroupDirectoryLink | null } | null>(null)

  useEffect(() => {
    let live = true
    messenger.client
      .directoryLink(id)
      .then((l) => live && setLink({ id, link: l }))
      // Unreadable now (offline, an older server): nothing shown.
      .catch(() => undefined)
    return () => {
      live = false
    }
  }, [id, refresh])

  if (link === null || link.id !== id || link.link === null) return null
  return (
    <p class="directory-link" data-testid="directory-link" data-scim-group={link.link.scimGroupId}>
      Membership follows <strong>{link.link.displayName}</strong> (directory): people your organisation adds to this group join this conversation,
      and people it takes out leave it.
    </p>
  )
}

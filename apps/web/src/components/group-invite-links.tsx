// Links to this conversation (docs/protocol.md §5.8 "Group links"): a member makes one here (the
// secret is made in this browser and lives only in the link); this device adds whoever uses it,
// when it is online. The list shows this device's links to this conversation, how often each was
// used, and revokes one. The server never learns which conversation a link is for.
import type { Messenger } from '../state/messenger.ts'
import { LinkCard } from './link-card.tsx'

export function GroupInviteLinks({ messenger, id }: { messenger: Messenger; id: string }) {
  const links = messenger.client.groupInvites
  // Someone added through a link changes the members: the counts are read again then.
  const members = messenger.conversation(id)?.members.join(',')
  return (
    <LinkCard
      name="group-invites"
      title="Invite with a link"
      help="Anyone who opens the link can ask to join; this device adds them when it is online, and everyone here sees who was added. A link lasts 7 days, until it is used up or you revoke it."
      createLabel="Create a link to this conversation"
      testIds={{ section: 'group-invites', link: 'group-invite-link', item: 'group-invite-item' }}
      listLabel="Links to this conversation"
      revokeLabel={(i) => `Revoke the link made ${new Date(i.createdAt).toLocaleString()}`}
      load={() => links.list(id)}
      create={async (maxUses) => (await links.create(id, { maxUses })).link}
      revoke={(inviteId) => links.revoke(inviteId)}
      reloadOn={[id, members]}
    />
  )
}

// This person's invite links (docs/protocol.md §5.8): make one (the secret is made in this
// browser and lives only in the link), see how often each was used, revoke one.
import type { Messenger } from '../state/messenger.ts'
import { LinkCard } from './link-card.tsx'

export function InviteLinks({ messenger }: { messenger: Messenger }) {
  const invites = messenger.client.invites
  return (
    <LinkCard
      name="invites"
      title="Invite links"
      help="Anyone with a link can become your contact and start a conversation with you, until it expires (7 days), is used up or you revoke it."
      createLabel="Create invite link"
      primary
      testIds={{ link: 'invite-link', list: 'invite-list', item: 'invite-item' }}
      revokeLabel={(i) => `Revoke the invite link made ${new Date(i.createdAt).toLocaleString()}`}
      load={() => invites.list()}
      create={async (maxUses) => (await invites.create({ maxUses })).link}
      revoke={(id) => invites.revoke(id)}
      reloadOn={[]}
    />
  )
}

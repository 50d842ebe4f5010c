// Who needs a contact request (docs/protocol.md §5.5): a sender the recipient has not made a
// contact, from another organisation (a guest counts as from elsewhere), or from the same one
// when that organisation's policy says its members need requests too. Default: people of one
// organisation reach each other without one.
import type { UserId } from '@candor/protocol'
import type { Store } from '@candor/ports'

export type ContactVerdict = 'contact' | 'request'

export async function contactRule(store: Store, sender: UserId, recipient: UserId): Promise<ContactVerdict> {
  if (sender === recipient) return 'contact'
  const contacts = store.contacts()
  if (await contacts.isContact(recipient, sender)) return 'contact'
  const [from, to] = await Promise.all([store.membershipOf(sender), store.membershipOf(recipient)])
  if (!from || !to) return 'request'
  if (from.guest || to.guest || from.org !== to.org) return 'request'
  return (await contacts.requestsInsideOrg(to.org)) ? 'request' : 'contact'
}

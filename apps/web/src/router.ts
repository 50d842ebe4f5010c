// Hash routes, so every screen has an address, the back button works and the server only
// ever serves index.html.
import { useEffect, useState } from 'preact/hooks'

export type Route =
  | { name: 'home' }
  | { name: 'new' }
  | { name: 'settings' }
  | { name: 'conversation'; id: string }
  | { name: 'info'; id: string }
  | { name: 'safety'; id: string; userId: string }
  /** The organisation's admin console (src/admin): one of its screens. */
  | { name: 'admin'; tab: string }
  /** Someone's invite link (docs/protocol.md §5.8): the secret is in the fragment only. */
  | { name: 'invite'; secret: string }
  /** A link to someone's conversation (§5.8 "Group links"): the secret is in the fragment only. */
  | { name: 'join'; secret: string }

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent)
  const [head, id, sub, userId] = parts
  if (head === 'new') return { name: 'new' }
  if (head === 'settings') return { name: 'settings' }
  if (head === 'admin') return { name: 'admin', tab: id ?? 'people' }
  if (head === 'invite' && id) return { name: 'invite', secret: id }
  if (head === 'join' && id) return { name: 'join', secret: id }
  if (head === 'c' && id) {
    if (sub === 'info') return { name: 'info', id }
    if (sub === 'safety' && userId) return { name: 'safety', id, userId }
    return { name: 'conversation', id }
  }
  return { name: 'home' }
}

export function href(r: Route): string {
  switch (r.name) {
    case 'home':
      return '#/'
    case 'new':
      return '#/new'
    case 'settings':
      return '#/settings'
    case 'conversation':
      return `#/c/${encodeURIComponent(r.id)}`
    case 'info':
      return `#/c/${encodeURIComponent(r.id)}/info`
    case 'safety':
      return `#/c/${encodeURIComponent(r.id)}/safety/${encodeURIComponent(r.userId)}`
    case 'admin':
      return `#/admin/${encodeURIComponent(r.tab)}`
    case 'invite':
      return `#/invite/${encodeURIComponent(r.secret)}`
    case 'join':
      return `#/join/${encodeURIComponent(r.secret)}`
  }
}

export function navigate(r: Route): void {
  location.hash = href(r)
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash))
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash))
    addEventListener('hashchange', on)
    return () => removeEventListener('hashchange', on)
  }, [])
  return route
}

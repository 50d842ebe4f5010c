// The signed-in layout: conversations on the side, the chosen screen in the main pane. At
// phone width only one of the two shows, chosen by the route.
import { useEffect } from 'preact/hooks'
import { ConnectionBanner } from '../components/connection-banner.tsx'
import { ConversationList } from '../components/conversation-list.tsx'
import { Notices } from '../components/notices.tsx'
import { NotificationPrompt } from '../components/notification-prompt.tsx'
import { SecurityAlerts } from '../components/security-alerts.tsx'
import { ContactRequests } from '../components/contact-requests.tsx'
import { SearchPanel } from '../components/search-panel.tsx'
import { href, useRoute } from '../router.ts'
import type { Messenger } from '../state/messenger.ts'
import { useObservable } from '../state/observable.ts'
import type { IndexedDbLocalStore } from '../storage/indexeddb-local-store.ts'
import { ConversationInfo } from './conversation-info.tsx'
import { ConversationView } from './conversation-view.tsx'
import { NewConversation } from './new-conversation.tsx'
import { SafetyNumberView } from './safety-number-view.tsx'
import { SettingsView } from './settings-view.tsx'
import { AdminConsole } from '../admin/admin-console.tsx'
import { JoinByInvite } from './join-by-invite.tsx'
import { JoinGroupByInvite } from './join-group-by-invite.tsx'

export function Shell({ messenger, store }: { messenger: Messenger; store: IndexedDbLocalStore }) {
  useObservable(messenger)
  const route = useRoute()
  const openId = route.name === 'conversation' ? route.id : undefined

  useEffect(() => {
    messenger.setOpen(openId)
  }, [openId])
  useEffect(() => {
    const onVisible = () => openId && document.visibilityState === 'visible' && messenger.markRead(openId)
    document.addEventListener('visibilitychange', onVisible)
    return () => document.removeEventListener('visibilitychange', onVisible)
  }, [openId])

  // Escape steps back out of a detail screen, as the back link does.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return
      const back = route.name === 'info' ? href({ name: 'conversation', id: route.id }) : route.name === 'safety' ? href({ name: 'info', id: route.id }) : route.name === 'home' ? null : href({ name: 'home' })
      if (back) location.hash = back
    }
    addEventListener('keydown', onKey)
    return () => removeEventListener('keydown', onKey)
  }, [route])

  const main = (() => {
    switch (route.name) {
      case 'home':
        return (
          <div class="empty-main">
            <p class="muted">Choose a conversation or start a new one.</p>
          </div>
        )
      case 'new':
        return <NewConversation messenger={messenger} />
      case 'settings':
        return <SettingsView messenger={messenger} store={store} />
      case 'conversation':
        return <ConversationView key={route.id} messenger={messenger} id={route.id} />
      case 'info':
        return <ConversationInfo key={route.id} messenger={messenger} id={route.id} />
      case 'invite':
        return <JoinByInvite key={route.secret} messenger={messenger} secret={route.secret} />
      case 'join':
        return <JoinGroupByInvite key={route.secret} messenger={messenger} secret={route.secret} />
      case 'safety':
        return <SafetyNumberView key={`${route.id}/${route.userId}`} messenger={messenger} conversation={route.id} userId={route.userId} />
      case 'admin':
        return <AdminConsole client={messenger.client} tab={route.tab} />
    }
  })()

  const pending = messenger.pendingEnrolments.length
  return (
    <div class="frame">
    <SecurityAlerts messenger={messenger} />
    <ConnectionBanner state={messenger.connection} ended={messenger.ended} />
    <NotificationPrompt messenger={messenger} store={store} />
    <div class={`shell ${route.name === 'home' ? 'at-home' : 'at-detail'}`}>
      <aside class="sidebar" aria-label="Conversations">
        <header class="bar">
          <div class="me">
            <strong data-testid="me">{messenger.client.userId}</strong>
            <ConnectionBanner state={messenger.connection} compact />
          </div>
          <nav class="bar-actions" aria-label="Main">
            <a class="button" href={href({ name: 'new' })}>
              New
            </a>
            <a class="button" href={href({ name: 'admin', tab: 'people' })}>
              Admin
            </a>
            <a class="button" href={href({ name: 'settings' })}>
              Settings
              {pending > 0 && (
                <>
                  {' '}
                  <span class="badge">{pending}</span>
                  <span class="visually-hidden"> device requests</span>
                </>
              )}
            </a>
          </nav>
        </header>
        <ContactRequests messenger={messenger} />
        <SearchPanel messenger={messenger} />
        <ConversationList messenger={messenger} current={'id' in route ? route.id : undefined} />
      </aside>
      <main class="main">{main}</main>
      <Notices messenger={messenger} />
    </div>
    </div>
  )
}

// The service worker: keeps the app's files for offline use (an offline reload shows the app,
// which reads its history from IndexedDB) and turns a Web Push wake-up into a notification.
// A push carries no content and no sender (docs/protocol.md, "Web Push"): the notification says
// only that something arrived; the page fetches and decrypts when it is opened. Built as its own
// entry at /sw.js with no imports, so it runs as a classic worker script.

// The DOM library has no service-worker types; the few used here are declared.
interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request
  respondWith(r: Response | Promise<Response>): void
}
interface PushEvent extends ExtendableEvent {
  readonly data: { text(): string } | null
}
interface NotificationEvent extends ExtendableEvent {
  readonly notification: Notification
}
interface WindowClientLike {
  readonly url: string
  readonly visibilityState: DocumentVisibilityState
  focus(): Promise<unknown>
  postMessage(m: unknown): void
}
interface WorkerScope {
  readonly location: Location
  readonly registration: ServiceWorkerRegistration
  readonly clients: {
    matchAll(o: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClientLike[]>
    openWindow(url: string): Promise<unknown>
    claim(): Promise<void>
  }
  skipWaiting(): Promise<void>
  addEventListener(type: 'install' | 'activate', f: (e: ExtendableEvent) => void): void
  addEventListener(type: 'fetch', f: (e: FetchEvent) => void): void
  addEventListener(type: 'push', f: (e: PushEvent) => void): void
  addEventListener(type: 'notificationclick', f: (e: NotificationEvent) => void): void
}

// `export {}` keeps these declarations local to this file; the built script exports nothing.
export {}
const sw = self as unknown as WorkerScope
// Replaced at build time (build/vite-plugins.ts) with the built files and a version naming them.
const PRECACHE = '__CANDOR_PRECACHE__' as unknown as { version: string; urls: string[] }
const CACHE = `candor-shell-${PRECACHE.version}`
/** The notification of a wake-up: one at a time, replaced by the next. */
const WAKE_TAG = 'candor-wake'

sw.addEventListener('install', (e) => {
  e.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(PRECACHE.urls.map((u) => new Request(u, { cache: 'reload' }))))
      .then(() => sw.skipWaiting()),
  )
})

sw.addEventListener('activate', (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('candor-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  )
})

sw.addEventListener('fetch', (e) => {
  const req = e.request
  if (req.method !== 'GET') return
  const url = new URL(req.url)
  // The API and the delivery socket are never cached: only the app's own files are.
  if (url.origin !== sw.location.origin || url.pathname.startsWith('/v1/') || url.pathname === '/healthz') return
  if (req.mode === 'navigate') {
    // The network first, so a new version shows when online; the kept page when not.
    e.respondWith(fetch(req).catch(() => caches.match('./', { cacheName: CACHE }).then((r) => r ?? Response.error())))
    return
  }
  e.respondWith(caches.match(req, { cacheName: CACHE }).then((r) => r ?? fetch(req)))
})

sw.addEventListener('push', (e) => {
  e.waitUntil(
    sw.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      // An open tab is connected and notifies by itself (it knows the conversation and mutes).
      if (windows.length > 0) {
        for (const w of windows) w.postMessage({ type: 'candor-wake' })
        return
      }
      return sw.registration.showNotification('Candor', {
        body: 'You have new messages. Open Candor to read them.',
        tag: WAKE_TAG,
        icon: 'icon-192.png',
        data: { wake: true },
      })
    }),
  )
})

sw.addEventListener('notificationclick', (e) => {
  e.notification.close()
  const target = (e.notification.data as { url?: string } | null)?.url ?? './'
  e.waitUntil(
    sw.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      const w = windows[0]
      return w ? w.focus() : sw.clients.openWindow(target)
    }),
  )
})

// Registers the service worker of the built app (offline shell, Web Push). Not in Vite's dev
// server, which has no built sw.js.
export function registerServiceWorker(): void {
  const prod = (import.meta as ImportMeta & { env?: { PROD?: boolean } }).env?.PROD === true
  if (!prod || !('serviceWorker' in navigator)) return
  navigator.serviceWorker.register('sw.js').catch((e: unknown) => console.warn('candor: service worker not registered:', e))
}

// How the page builds an SDK client: the server is the origin that served the page, keys
// and state live in IndexedDB, MLS runs on WebCrypto (with @noble where it lacks a curve).
import { webCryptoProvider } from '@candor/crypto'
import { StoredSearchIndex, type ClientOptions, type LocalStore, type WebSocketLike } from '@candor/sdk'

export function browserClientOptions(store: LocalStore, server = location.origin): ClientOptions {
  return {
    server,
    store,
    // The search index lives in the same store, sealed like the rest of it (issue 15 "Search").
    searchIndex: new StoredSearchIndex(store),
    crypto: webCryptoProvider(),
    // The DOM WebSocket has the shape the SDK needs; its event types are only wider.
    webSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
  }
}

/** A readable default name for this device, e.g. "Chrome on Linux". */
export function defaultDeviceName(): string {
  const ua = navigator.userAgent
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser'
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS X/.test(ua) ? 'macOS' : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : 'unknown OS'
  return `${browser} on ${os}`
}

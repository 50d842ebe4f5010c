// Web Push for this device: subscribes the service worker with the server's VAPID key and
// registers the subscription with the server, which then wakes this browser with a push that
// holds no content and no sender while the device is offline (docs/protocol.md, "Web Push").
// Best effort: a browser without a push service (or one that refuses) simply gets no wake-ups.
import type { CandorClient } from '@candor/sdk'
import type { PutPushSubscriptionRequest } from '@candor/protocol'

function bytes(b64url: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64url.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(s, (c) => c.charCodeAt(0))
}

export async function subscribePush(client: CandorClient): Promise<boolean> {
  if (!('serviceWorker' in navigator) || !('PushManager' in window)) return false
  const reg = await navigator.serviceWorker.getRegistration()
  if (!reg) return false
  try {
    const key = await client.pushServerKey()
    let sub = await reg.pushManager.getSubscription()
    // A subscription made with another server key cannot be used: replace it.
    const current = sub?.options.applicationServerKey
    if (sub && current && !sameBytes(new Uint8Array(current), bytes(key))) {
      await sub.unsubscribe()
      sub = null
    }
    sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes(key) })
    await client.setPushSubscription(sub.toJSON() as PutPushSubscriptionRequest)
    return true
  } catch (e) {
    console.warn('candor: no Web Push in this browser:', e)
    return false
  }
}

export async function unsubscribePush(client: CandorClient): Promise<void> {
  try {
    const reg = 'serviceWorker' in navigator ? await navigator.serviceWorker.getRegistration() : undefined
    await (await reg?.pushManager.getSubscription())?.unsubscribe()
    await client.deletePushSubscription()
  } catch (e) {
    console.warn('candor: push subscription not removed:', e)
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

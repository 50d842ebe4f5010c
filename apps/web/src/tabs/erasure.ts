// Erasing this browser's copy ("Erase this browser's copy", or after the account was deleted)
// from any tab: every other tab of the browser lets go of the database first — it reloads, which
// closes its connection (the leading tab's client stops with the page) — and comes back on the
// emptied one. Without it an erase started in a following tab waits for ever (IndexedDB deletes a
// database only once every connection to it is closed) while the leading tab goes on running,
// and writing, the device being erased.
const CHANNEL = 'candor-erasure'

let erasingHere = false

/** Tells every other tab of this browser to let go of the database (before this one deletes it). */
export function announceErasure(): void {
  erasingHere = true
  const c = new BroadcastChannel(CHANNEL)
  c.postMessage('erasing')
  c.close()
}

/** In every tab: when another tab erases, reload (closing the database) and come back on the empty one. */
export function reloadOnErasure(): () => void {
  const c = new BroadcastChannel(CHANNEL)
  c.onmessage = (e: MessageEvent<unknown>) => {
    if (e.data === 'erasing' && !erasingHere) location.reload()
  }
  return () => c.close()
}

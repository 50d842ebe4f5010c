// Which tab leads: the one holding the `candor-device` Web Lock (held until the tab closes).
// The others queue for it and follow meanwhile; when the leader closes, the lock passes to one
// of them, which takes over (and the rest follow it).
import { DEVICE_LOCK } from './tab-messages.ts'

export type TabRole =
  | { role: 'leader' }
  /** `promoted` resolves when this tab gets the lock: it leads from then on. */
  | { role: 'follower'; promoted: Promise<void> }

export function electTab(): Promise<TabRole> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks
  // Without Web Locks (very old browsers) every tab leads, as before.
  if (!locks) return Promise.resolve({ role: 'leader' })
  const forever = () => new Promise<never>(() => {})
  return new Promise((resolve, reject) => {
    locks
      .request(DEVICE_LOCK, { ifAvailable: true }, (lock) => {
        if (lock) {
          resolve({ role: 'leader' })
          return forever()
        }
        const promoted = new Promise<void>((granted) => {
          void locks.request(DEVICE_LOCK, () => {
            granted()
            return forever()
          })
        })
        resolve({ role: 'follower', promoted })
        return undefined
      })
      .catch(reject)
  })
}

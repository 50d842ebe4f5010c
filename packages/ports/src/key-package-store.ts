// MLS key packages per device and cipher suite: one-time ones handed out once, and a last-resort
// one. Part of the Store.
import type { DeviceId } from '@candor/protocol'

/** Key packages (part of Store). */
export interface KeyPackageStore {
  /**
   * Key packages are kept per MLS cipher suite (`suite`: its code point, 1 unless told;
   * docs/protocol.md §4.5): each suite has its own one-time packages and its own last-resort one,
   * which `lastResort` replaces.
   */
  addKeyPackages(deviceId: DeviceId, oneTime: readonly Uint8Array[], lastResort: Uint8Array | undefined, suite?: number): Promise<void>
  /**
   * Takes one one-time package of `suite` (deleted as it is handed out), else that suite's
   * last-resort one (never deleted); with `lastResortOnly`, the last-resort one and nothing else.
   */
  claimKeyPackage(deviceId: DeviceId, lastResortOnly?: boolean, suite?: number): Promise<{ keyPackage: Uint8Array; lastResort: boolean } | null>
  countKeyPackages(deviceId: DeviceId, suite?: number): Promise<{ oneTime: number; lastResort: boolean }>
}

import type { DeviceId, GroupId, SessionEndReason, UserId } from '@candor/protocol'
import type { Bus, BusDelivery } from '@candor/ports'

/** The single-node bus: deliveries go straight to the local connection, if any. */
export class InProcessBus implements Bus {
  readonly #devices = new Map<DeviceId, (d: BusDelivery) => void>()
  readonly #groupHandlers: Array<(g: GroupId) => void> = []
  readonly #blockHandlers: Array<(u: UserId) => void> = []
  readonly #sessionHandlers: Array<(deviceIds: readonly DeviceId[], reason: SessionEndReason) => void> = []

  subscribeDevice(deviceId: DeviceId, onDelivery: (d: BusDelivery) => void): () => void {
    this.#devices.set(deviceId, onDelivery)
    return () => {
      if (this.#devices.get(deviceId) === onDelivery) this.#devices.delete(deviceId)
    }
  }

  publish(deliveries: readonly BusDelivery[]): void {
    for (const d of deliveries) this.#devices.get(d.deviceId)?.(d)
  }

  publishGroupChanged(groupId: GroupId): void {
    for (const h of this.#groupHandlers) h(groupId)
  }

  onGroupChanged(handler: (groupId: GroupId) => void): void {
    this.#groupHandlers.push(handler)
  }

  publishBlocksChanged(blocked: UserId): void {
    for (const h of this.#blockHandlers) h(blocked)
  }

  onBlocksChanged(handler: (blocked: UserId) => void): void {
    this.#blockHandlers.push(handler)
  }

  publishSessionEnded(deviceIds: readonly DeviceId[], reason: SessionEndReason): void {
    if (deviceIds.length === 0) return
    for (const h of this.#sessionHandlers) h(deviceIds, reason)
  }

  onSessionEnded(handler: (deviceIds: readonly DeviceId[], reason: SessionEndReason) => void): void {
    this.#sessionHandlers.push(handler)
  }

  async isOnline(deviceId: DeviceId): Promise<boolean> {
    return this.#devices.has(deviceId)
  }

  async close(): Promise<void> {
    this.#devices.clear()
  }
}

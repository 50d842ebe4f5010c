// Fan-out between server nodes. A node subscribes the devices connected to it; any node
// publishes deliveries after storing them. Adapters: InProcessBus (@candor/server) for one
// node, NatsBus (@candor/bus-nats) for many.
import type { DeviceId, GroupId, SessionEndReason, UserId } from '@candor/protocol'

/** A stored message ready to push: the complete deliver frame for one device. */
export interface BusDelivery {
  deviceId: DeviceId
  seq: number
  frame: Uint8Array
}

export interface Bus {
  /** Called when a device connects to this node; returns the unsubscribe function. */
  subscribeDevice(deviceId: DeviceId, onDelivery: (d: BusDelivery) => void): () => void
  publish(deliveries: readonly BusDelivery[]): void
  /** Roster changed on some node: drop cached membership. */
  publishGroupChanged(groupId: GroupId): void
  onGroupChanged(handler: (groupId: GroupId) => void): void
  /**
   * Someone blocked or unblocked this user (docs/protocol.md §5.5): every node drops what it
   * cached about who blocks them, so the block holds on the next message whichever node takes
   * it. Handlers on this node run before this returns.
   */
  publishBlocksChanged(blocked: UserId): void
  onBlocksChanged(handler: (blocked: UserId) => void): void
  /**
   * These devices' sessions ended (revoked, suspended, erased): every node closes their live
   * sockets. Handlers on this node run before this returns; other nodes' run when the message
   * reaches them. Best effort like every bus message: a node that misses it still refuses the
   * device's next sign-in and request, because the store says so.
   */
  publishSessionEnded(deviceIds: readonly DeviceId[], reason: SessionEndReason): void
  onSessionEnded(handler: (deviceIds: readonly DeviceId[], reason: SessionEndReason) => void): void
  /** Devices connected anywhere in the cluster (presence). */
  isOnline(deviceId: DeviceId): Promise<boolean>
  close(): Promise<void>
}

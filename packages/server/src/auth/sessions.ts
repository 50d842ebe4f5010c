// The one way a device's session ends before its token does: revocation, suspension by an
// admin, erasure. Every node closes the devices' live sockets (a `session_ended` notice, then
// close code 4001, docs/protocol.md §6). Their HTTP requests and sign-ins are refused already,
// because the store no longer holds the devices as active; this ends what is already open.
import type { DeviceId, SessionEndReason } from '@candor/protocol'
import type { Bus } from '@candor/ports'
import type { Logger } from '../logger.ts'

export class Sessions {
  readonly #bus: Bus
  readonly #log: Logger

  constructor(bus: Bus, log: Logger) {
    this.#bus = bus
    this.#log = log
  }

  /** Ends every live session of these devices, on every node. Call it after the store changed. */
  end(deviceIds: readonly DeviceId[], reason: SessionEndReason): void {
    const ids = [...new Set(deviceIds)]
    if (ids.length === 0) return
    this.#log.info({ deviceIds: ids, reason }, 'device sessions ended')
    this.#bus.publishSessionEnded(ids, reason)
  }
}

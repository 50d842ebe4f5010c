// Which Ed25519 key the server's directory binds to each device. The MLS authentication
// service accepts a credential only if its key is the one found here.
import { fromBase64Url, type DeviceInfo } from '@candor/protocol'
import type { ApiClient } from './api-client.ts'

const TTL_MS = 30_000

export class DeviceDirectory {
  readonly #api: ApiClient
  readonly #cache = new Map<string, { at: number; devices: DeviceInfo[] }>()

  constructor(api: ApiClient) {
    this.#api = api
  }

  async devices(userId: string, fresh = false): Promise<DeviceInfo[]> {
    const hit = this.#cache.get(userId)
    if (hit && !fresh && Date.now() - hit.at < TTL_MS) return hit.devices
    const { devices } = await this.#api.userDevices(userId)
    this.#cache.set(userId, { at: Date.now(), devices })
    return devices
  }

  /** The active key of a device, refreshing once on a miss (it may be new). */
  async keyOf(userId: string, deviceId: string): Promise<Uint8Array | null> {
    for (const fresh of [false, true]) {
      const d = (await this.devices(userId, fresh)).find((x) => x.deviceId === deviceId)
      if (d) return d.status === 'active' ? fromBase64Url(d.publicKey) : null
    }
    return null
  }

  forget(userId: string): void {
    this.#cache.delete(userId)
  }
}

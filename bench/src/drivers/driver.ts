// What a scenario needs from a system, on the load-generator side. Each system (ceiling relay,
// Prosody, Candor) has one driver that speaks its real wire protocol.

/** Every message carries its send time (performance.now() of this process), a tag and the sender. */
export interface Received {
  sentAt: number
  tag: number
  sender: number
}

export interface Endpoint {
  readonly index: number
  /** Group (conversation) number; pairs are groups of two. */
  readonly group: number
  /** Sends one message to the rest of the group. */
  send(sentAt: number, tag: number): void
  onReceive: (m: Received) => void
  /** The server refused a message (Candor error frame); the scenario decides what to do. */
  onRefused: (code: string) => void
}

export interface ConnectOptions {
  clients: number
  /** Clients per group; consecutive indices form a group. */
  groupSize: number
  /** Bytes of opaque payload per message (all systems carry the same size). */
  payloadBytes: number
}

export interface Driver {
  readonly name: string
  connect(o: ConnectOptions): Promise<Endpoint[]>
  /** Open idle authenticated connections (scenario 5); prepare() is untimed setup. */
  prepareIdle?(n: number): Promise<void>
  /** Opens the prepared connections all at once; resolves when every one is authenticated. */
  /** reasons: why connections failed, if any ("N× message; …"). */
  openIdle?(): Promise<{ opened: number; failed: number; reasons?: string }>
  close(): Promise<void>
}

/** Source addresses for many connections: 127.0.0.2 … (loopback answers on all of 127/8). */
export function sourceAddress(i: number, spread = 64): string {
  return `127.0.0.${2 + (i % spread)}`
}

export const noop = (): void => {}

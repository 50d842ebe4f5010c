// The server's own timeouts and per-connection budgets, with their defaults (listed for
// operators in docs/limits.md). The wire limits clients must know are LIMITS in @candor/protocol.
import { LIMITS } from '@candor/protocol'

export interface ServerTimeouts {
  /** A request's headers must have arrived this long after its first byte (slow-loris). */
  headersMs: number
  /** A whole request, headers and body, must have arrived within this. */
  requestMs: number
  /** An idle keep-alive connection is closed after this (above a load balancer's usual 60 s). */
  keepAliveMs: number
  /** How often Node checks the two request timeouts above (they are enforced this late at worst). */
  checkIntervalMs: number
  /** A new delivery socket must send a valid `auth` frame within this. */
  wsAuthMs: number
}

export const DEFAULT_TIMEOUTS: Readonly<ServerTimeouts> = {
  headersMs: 10_000,
  requestMs: 60_000,
  keepAliveMs: 72_000,
  checkIntervalMs: 2_000,
  wsAuthMs: 5_000,
}

/** What one delivery socket may do in one window before it is closed (CloseCode.tooManyBadFrames). */
export const SOCKET_BUDGETS = {
  windowMs: 10_000,
  /** Frames that do not decode. Only the first of a window is answered (an error frame). */
  malformedFrames: 10,
  /** Acked seqs this connection has not pushed (a reconnecting device may still ack its last socket's). */
  unknownAckedSeqs: 2 * LIMITS.deliveryWindow,
  /** `auth` frames after the first (a device re-authenticates about once an hour). */
  reauths: 5,
  /** Frames a client may send after `auth` before the server has checked it. */
  framesBeforeAuth: 64,
} as const

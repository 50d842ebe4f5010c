// The SDK's side of message content. The format and its one codec are @candor/protocol's
// (docs/protocol.md §2); here: what the SDK's modules hand to Messaging.sendContent (which
// stamps this device's checkpoints on it as `seen`), and the line a device shows for a
// content it cannot show, so nothing a member sent is ever dropped silently.
import { encodeContent, type Content, type Seen, type SendableContent } from '@candor/protocol'

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** A content as the SDK's modules make it: everything but `seen`, which the sender adds. */
export type Outgoing = DistributiveOmit<SendableContent, 'seen'>

/** Encodes as version 2 with the sender's checkpoints. */
export function encodeOutgoing(c: Outgoing, seen: Seen): Uint8Array {
  return encodeContent({ ...c, seen } as SendableContent & { seen: Seen })
}

/** The text of the record shown in place of a content this version cannot show. */
export function unsupportedText(c: Content): string {
  // The sender chose the type's name: only a plain word of it is shown.
  const type = c.type === 'unsupported' ? c.wireType.replace(/[^A-Za-z0-9._-]/g, '?') : c.type
  const what = c.type === 'unsupported' && c.v > 2 ? `format version ${c.v}` : `type "${type}"`
  return `This message is not supported by this version of Candor (${what}).`
}

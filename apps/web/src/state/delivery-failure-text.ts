// What a person reads when a recipient's device reported it could not decrypt their message
// (docs/protocol.md §2 `undecryptable`): on the message itself, so "Sent" never hides a
// recipient who cannot read it.
import type { FailedFor } from '@candor/sdk'

const WHY: Record<FailedFor['reason'], string> = {
  decrypt_failed: 'could not decrypt',
  epoch_unavailable: 'their device missed a change to the conversation',
  invalid_credential: 'a key did not match the key directory',
  invalid_content: 'the message was invalid',
}

/** "Not delivered to bob's laptop: could not decrypt" (the device's name when known, else the start of its id). */
export function failedForText(f: FailedFor, deviceName: string | undefined): string {
  return `Not delivered to ${f.userId}'s ${deviceName ?? `device ${f.deviceId.slice(0, 8)}`}: ${WHY[f.reason]}`
}

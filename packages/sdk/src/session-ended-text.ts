// What a person is told when the server ended their device's session (the `session_ended` event),
// in one place for every client (web, CLI).
import type { SessionEndReason } from '@candor/protocol'

export function sessionEndedText(reason: SessionEndReason): string {
  switch (reason) {
    case 'revoked':
      return 'This device was removed from your account.'
    case 'suspended':
      return 'This device was suspended by an administrator of your organisation.'
    case 'erased':
      return 'Your account was deleted.'
    case 'logged_out':
      return 'This device was signed out.'
    case 'expired':
      return 'The session of this device expired; signing in again…'
  }
}

/** Whether the device can carry on (sign in again by itself) after this ending. */
export function sessionResumes(reason: SessionEndReason): boolean {
  return reason === 'expired'
}

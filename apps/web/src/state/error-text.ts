// What to tell a person when something fails: plain words for the errors they can act on,
// the SDK's own message otherwise.
import { CandorError, type ErrorCode } from '@candor/protocol'

const PLAIN: Partial<Record<ErrorCode, string>> = {
  unknown_user: 'There is no one with that user name.',
  user_exists: 'That user name is taken. If it is yours, choose “Add this device” instead.',
  user_id_reserved: 'That user name belonged to an account that was deleted; it is never given out again. Choose another.',
  no_key_package: 'That person has no device ready to receive an encrypted conversation yet.',
  unavailable: 'Cannot reach the server right now. Check your connection; it will retry.',
  rate_limited: 'Too many requests. Wait a moment and try again.',
  device_revoked: 'This device has been revoked.',
  not_member: 'You are no longer in this conversation.',
}

export function errorText(e: unknown): string {
  if (e instanceof CandorError) return PLAIN[e.code] ?? e.message
  return e instanceof Error ? e.message : String(e)
}

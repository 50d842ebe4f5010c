// The exact byte strings devices sign. Each starts with its own domain label so a signature
// made for one purpose can never be replayed as another.
import { utf8 } from './bytes.ts'

export function registrationStatement(userId: string, publicKeyB64: string): Uint8Array {
  return utf8(`candor/register/v1\n${userId}\n${publicKeyB64}`)
}

export function authStatement(deviceId: string, challenge: string): Uint8Array {
  return utf8(`candor/auth/v1\n${deviceId}\n${challenge}`)
}

export function enrolmentStatement(userId: string, publicKeyB64: string, name: string): Uint8Array {
  return utf8(`candor/enrol/v1\n${userId}\n${publicKeyB64}\n${name}`)
}

export function approvalStatement(approver: string, userId: string, publicKeyB64: string): Uint8Array {
  return utf8(`candor/approve/v1\n${approver}\n${userId}\n${publicKeyB64}`)
}

/** Signed by an active device of `userId` to turn down a pending enrolment of the device with this key. */
export function denialStatement(userId: string, publicKeyB64: string): Uint8Array {
  return utf8(`candor/deny/v1\n${userId}\n${publicKeyB64}`)
}

/**
 * Signed by the device asking to erase its account, over a fresh single-use challenge from
 * `POST /v1/account/delete/challenge`: a session token alone cannot erase an account.
 */
export function accountDeletionStatement(userId: string, deviceId: string, challenge: string): Uint8Array {
  return utf8(`candor/delete-account/v1\n${userId}\n${deviceId}\n${challenge}`)
}

/**
 * Signed by a member's device: "I cannot process the commit `messageId` that `committer` made at
 * `epoch` of `groupId`" (docs/protocol.md §5.3). `reason` is an `undecryptable` reason (§2).
 */
export function reportStatement(groupId: string, epoch: number, committer: string, messageId: string, reason: string): Uint8Array {
  return utf8(`candor/report/v1\n${groupId}\n${epoch}\n${committer}\n${messageId}\n${reason}`)
}

/** The approver named in approvalStatement when the person's recovery key approves a device (docs/protocol.md §4.2). */
export const RECOVERY_APPROVER = 'recovery'

/**
 * Signed by an active device of `userId` (`deviceId`), and by the new recovery key itself, to set
 * the person's recovery key (docs/protocol.md §4.2). `previous` is the recovery key it replaces
 * ("-" for none): a statement is good for one change only, so replaying an old one cannot put a
 * replaced key back.
 */
export function recoveryKeyStatement(userId: string, deviceId: string, recoveryKeyB64: string, previousB64: string | null): Uint8Array {
  return utf8(`candor/recovery-key/v1\n${userId}\n${deviceId}\n${recoveryKeyB64}\n${previousB64 ?? '-'}`)
}

// Which directory a handshake's credentials are judged against (§5.1).
//
// A commit: the directory at the checkpoint its authenticated data names, and only that, so a
// device that was valid when a commit added it and was revoked later does not break the group
// for members who process the commit late, and every member reaches the same verdict whenever
// it processes the commit. A checkpoint this device cannot verify refuses the commit for good.
//
// A Welcome: the joiner judges the whole tree, and only its own join depends on the verdict.
// It takes the checkpoint the adding commit named (the Welcome's GroupInfo carries it), and
// where that does not prove a member — the checkpoint is not in this device's view of the log,
// or the member's device is not in it — the directory as it is now, which is what joiners
// checked before. So a joiner is never held to less than before, and one shown another history
// of the directory still joins and catches the split view on the first message (§2.3).
//
// Without authenticated data (an older client's handshake) both are judged against the directory
// as it is now; authenticated data that does not decode refuses the handshake.
import { CandorError, decodeHandshakeAad } from '@candor/protocol'
import { DirectoryAuthenticationService, type AuthenticationFor, type AuthenticationService, type Credential } from '@candor/crypto'
import type { PastDirectory } from './past-directory.ts'

function atCheckpoint(aad: Uint8Array, past: PastDirectory): AuthenticationService {
  const { directory } = decodeHandshakeAad(aad)
  return new DirectoryAuthenticationService((userId, deviceId) => past.keyAt(userId, deviceId, directory))
}

export function commitAuthentication(current: AuthenticationService, past: PastDirectory): AuthenticationFor {
  return (aad) => (aad.length === 0 ? current : atCheckpoint(aad, past))
}

export function welcomeAuthentication(current: AuthenticationService, past: PastDirectory): AuthenticationFor {
  return (aad) => {
    if (aad.length === 0) return current
    const then = atCheckpoint(aad, past)
    return {
      async validateCredential(credential: Credential, signaturePublicKey: Uint8Array): Promise<boolean> {
        const valid = await then.validateCredential(credential, signaturePublicKey).catch((e: unknown) => {
          // A network error propagates (the join is retried); a checkpoint that does not prove is no verdict.
          if (e instanceof CandorError && e.code === 'directory_proof_invalid') return false
          throw e
        })
        return valid || current.validateCredential(credential, signaturePublicKey)
      },
    }
  }
}

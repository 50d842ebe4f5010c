// What each security alert from the SDK says to the person: what happened and what to do.
import type { SecurityAlert } from '@candor/sdk'

export function alertText(a: SecurityAlert): string {
  switch (a.kind) {
    case 'unknown_device':
      return `The key directory lists a device on your account (${a.deviceId}) that none of your devices approved. If you did not add it, your account may be under attack: revoke it in Settings.`
    case 'unverified_device':
      return `A device of ${a.userId} (${a.deviceId}) is not proven by the key directory, so it was not given access to your conversations.`
    case 'receipt_withheld':
      return `The server is keeping an access receipt from you: ${a.reason}. Someone accessed your data without you being told; see Settings → Your data.`
    case 'split_view':
      return `The server showed ${a.userId} (device ${a.deviceId}) a different ${a.log === 'directory' ? 'key directory' : 'access log'} from the one it shows you (${a.reason}). Someone may be hiding keys or accesses from one of you: compare safety numbers with ${a.userId} in person before trusting this conversation.`
    case 'org_audit_fork':
      return `The server rewrote the audit trail of your organisation (${a.org}): it now shows ${a.served.size} entries that do not extend the ${a.remembered.size} this device saw before. Admin actions may have been hidden or changed, so your organisation's policy is not applied; tell your organisation's security team.`
  }
}

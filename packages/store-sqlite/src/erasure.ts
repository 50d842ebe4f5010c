// Erasing an account on SQLite. The store runs with secure_delete on, so deleted cells and
// freed pages are zeroed in the file; the caller then runs purgeDeleted() (a WAL checkpoint
// that truncates it) so no older copy of a page survives there either.
import type Database from 'better-sqlite3'
import { ERASED_DEVICE_ID, type UserId } from '@candor/protocol'
import type { ErasureCounts } from '@candor/ports'

export function eraseUserIn(db: Database.Database, userId: UserId): ErasureCounts {
  const counts = db.transaction((): ErasureCounts => {
    const devices = db.prepare('SELECT device_id FROM devices WHERE user_id = ?').pluck().all(userId) as string[]
    const c: ErasureCounts = { devices: devices.length, queued: 0, keyPackages: 0, memberships: 0, sentMessages: 0, accessReceipts: 0 }
    const queued = db.prepare('DELETE FROM queue WHERE device_id = ? RETURNING message').pluck()
    const release = db.prepare('UPDATE messages SET remaining = remaining - 1 WHERE id = ? RETURNING remaining').pluck()
    const dropMessage = db.prepare('DELETE FROM messages WHERE id = ?')
    for (const d of devices) {
      for (const m of queued.all(d) as Array<number | null>) {
        c.queued++
        if (m !== null && (release.get(m) as number) <= 0) dropMessage.run(m)
      }
      c.keyPackages += db.prepare('DELETE FROM key_packages WHERE device_id = ?').run(d).changes
      c.memberships += db.prepare('DELETE FROM group_members WHERE device_id = ?').run(d).changes
      c.sentMessages += db.prepare('UPDATE messages SET sender = ? WHERE sender = ?').run(ERASED_DEVICE_ID, d).changes
      c.sentMessages += db.prepare('UPDATE queue SET sender = ? WHERE sender = ? AND message IS NULL').run(ERASED_DEVICE_ID, d).changes
      db.prepare('UPDATE group_resets SET reset_by = ? WHERE reset_by = ?').run(ERASED_DEVICE_ID, d)
      db.prepare('DELETE FROM recent_sends WHERE sender = ?').run(d)
      db.prepare('DELETE FROM blob_recipients WHERE device_id = ?').run(d)
    }
    db.prepare('DELETE FROM push_subscriptions WHERE user_id = ?').run(userId)
    db.prepare('DELETE FROM revoked_memberships WHERE user_id = ?').run(userId)
    db.prepare('DELETE FROM invites WHERE creator = ?').run(userId)
    db.prepare('DELETE FROM devices WHERE user_id = ?').run(userId)
    db.prepare('DELETE FROM enrolments WHERE user_id = ?').run(userId)
    db.prepare('DELETE FROM users WHERE user_id = ?').run(userId)
    db.prepare('DELETE FROM admins WHERE user_id = ?').run(userId)
    db.prepare('DELETE FROM consents WHERE user_id = ?').run(userId)
    db.prepare('DELETE FROM recovery_keys WHERE user_id = ?').run(userId)
    db.prepare('DELETE FROM history_archives WHERE user_id = ?').run(userId)
    db.prepare('UPDATE blob_bindings SET uploader = NULL WHERE uploader = ?').run(userId)
    db.prepare('DELETE FROM sso_identities WHERE user_id = ?').run(userId)
    // Consent to be contacted: their contacts, blocks (either side) and requests (either side), with what those held.
    db.prepare('DELETE FROM request_holds WHERE request_id IN (SELECT request_id FROM contact_requests WHERE recipient = ? OR sender = ?)').run(userId, userId)
    db.prepare('DELETE FROM contact_requests WHERE recipient = ? OR sender = ?').run(userId, userId)
    db.prepare('DELETE FROM contacts WHERE user_id = ? OR contact_id = ?').run(userId, userId)
    db.prepare('DELETE FROM blocks WHERE user_id = ? OR blocked_id = ?').run(userId, userId)
    c.accessReceipts = db.prepare('UPDATE access_log SET subject = NULL, envelope = NULL, position = NULL WHERE subject = ?').run(userId).changes
    return c
  }).immediate()
  return counts
}

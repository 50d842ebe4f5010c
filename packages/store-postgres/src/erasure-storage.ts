// Erasing a user on PostgreSQL (data ownership): everything stored about them goes in one
// transaction; what others still need keeps flowing under the erased sender id, the access log
// keeps only leaf hashes, and the user id is reserved for good.
import { ERASED_DEVICE_ID, type UserId } from '@candor/protocol'
import type { ErasureCounts } from '@candor/ports'
import { transaction, type Sql } from './connection.ts'
import { recordDirectoryUpdate, reserveUserId } from './lifecycle-storage.ts'
import { releaseMessages } from './message-writes.ts'
import * as scim from './scim-storage.ts'

/** Dead row versions stay on disk until PostgreSQL vacuums the tables (autovacuum, or VACUUM). */
export async function eraseUser(sql: Sql, userId: UserId): Promise<ErasureCounts> {
  return transaction(sql, async (tx) => {
    const devices = (await tx<{ device_id: string }[]>`SELECT device_id FROM devices WHERE user_id = ${userId} FOR UPDATE`).map((r) => r.device_id)
    const ids = tx.array(devices)
    const gone = await tx<{ message: number | null }[]>`DELETE FROM queue WHERE device_id = ANY(${ids}::text[]) RETURNING message`
    await releaseMessages(tx, gone.map((r) => r.message))
    const kp = await tx`DELETE FROM key_packages WHERE device_id = ANY(${ids}::text[])`
    const gm = await tx`DELETE FROM group_members WHERE device_id = ANY(${ids}::text[])`
    const sent = await tx`UPDATE messages SET sender = ${ERASED_DEVICE_ID} WHERE sender = ANY(${ids}::text[])`
    // Inline queue rows hold their sender too (no index by sender: one pass over the queue).
    const sentInline = await tx`UPDATE queue SET sender = ${ERASED_DEVICE_ID} WHERE message IS NULL AND sender = ANY(${ids}::text[])`
    await tx`UPDATE group_resets SET reset_by = ${ERASED_DEVICE_ID} WHERE reset_by = ANY(${ids}::text[])`
    await tx`DELETE FROM recent_sends WHERE sender = ANY(${ids}::text[])`
    await tx`DELETE FROM blob_recipients WHERE device_id = ANY(${ids}::text[])`
    await tx`DELETE FROM device_seq WHERE device_id = ANY(${ids}::text[])`
    await tx`DELETE FROM push_subscriptions WHERE user_id = ${userId}`
    await tx`DELETE FROM revoked_memberships WHERE user_id = ${userId}`
    await tx`DELETE FROM invites WHERE creator = ${userId}`
    await tx`DELETE FROM devices WHERE user_id = ${userId}`
    await tx`DELETE FROM enrolments WHERE user_id = ${userId}`
    await tx`DELETE FROM users WHERE user_id = ${userId}`
    await tx`DELETE FROM admins WHERE user_id = ${userId}`
    await tx`DELETE FROM consents WHERE user_id = ${userId}`
    await tx`DELETE FROM recovery_keys WHERE user_id = ${userId}`
    await tx`DELETE FROM history_archives WHERE user_id = ${userId}`
    await tx`UPDATE blob_bindings SET uploader = NULL WHERE uploader = ${userId}`
    await tx`DELETE FROM sso_identities WHERE user_id = ${userId}`
    // Consent to be contacted: their contacts, blocks (either side) and requests (either side), with what those held.
    await tx`DELETE FROM request_holds WHERE request_id IN (SELECT request_id FROM contact_requests WHERE recipient = ${userId} OR sender = ${userId})`
    await tx`DELETE FROM contact_requests WHERE recipient = ${userId} OR sender = ${userId}`
    await tx`DELETE FROM contacts WHERE user_id = ${userId} OR contact_id = ${userId}`
    await tx`DELETE FROM blocks WHERE user_id = ${userId} OR blocked_id = ${userId}`
    const ar = await tx`UPDATE access_log SET subject = NULL, envelope = NULL, position = NULL WHERE subject = ${userId}`
    await scim.eraseScim(tx, userId, Date.now())
    await reserveUserId(tx, userId)
    await recordDirectoryUpdate(tx, userId, true)
    return { devices: devices.length, queued: gone.length, keyPackages: kp.count, memberships: gm.count, sentMessages: sent.count + sentInline.count, accessReceipts: ar.count }
  })
}

// Schema steps for people's accounts and devices: enrolment requests, erased user ids and the key
// directory's backlog, recovery keys, Web Push, revocations, last-seen days, key packages per
// suite. Their order, and so each one's version, is the list in ../migrations.ts.

// Enrolment requests leave the devices table: a request is not a device (it counts toward no
// device limit, expires, and is dropped for newer ones). Requests pending before this expire
// 10 minutes after they were filed, as if the rule had always applied.
export const enrolmentRequests = `
  CREATE TABLE enrolments (
    seq INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    public_key BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX enrolments_by_user ON enrolments(user_id, seq);
  CREATE INDEX enrolments_by_expiry ON enrolments(expires_at);
  INSERT INTO enrolments (device_id, user_id, name, public_key, created_at, expires_at)
    SELECT device_id, user_id, name, public_key, created_at, created_at + 600000 FROM devices WHERE status = 'pending' ORDER BY created_at;
  DELETE FROM devices WHERE status = 'pending';
  `

// Erased accounts' user ids (their digests), never given out again; and the key directory's
// backlog of users whose entries must be published, written in the transaction that changed them.
export const erasedUserIdsAndDirectoryBacklog = `
  CREATE TABLE erased_user_ids (digest TEXT PRIMARY KEY) WITHOUT ROWID;
  CREATE TABLE directory_backlog (
    seq INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    erased INTEGER NOT NULL
  );
  `

// Recovery keys (docs/protocol.md §4.2: every key a person set, with the statement that set
// it) and sealed history archives (their bytes are in the blob store).
export const recoveryKeysAndArchives = `
  CREATE TABLE recovery_keys (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    public_key BLOB NOT NULL,
    previous BLOB,
    set_by TEXT NOT NULL,
    set_by_key BLOB NOT NULL,
    signature BLOB NOT NULL,
    set_at INTEGER NOT NULL
  );
  CREATE INDEX recovery_keys_by_user ON recovery_keys(user_id, seq);
  CREATE TABLE history_archives (
    archive_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    sender TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX history_archives_by_user ON history_archives(user_id, recipient);
  `

// Web Push subscriptions: one per device (docs/protocol.md, "Web Push").
export const pushSubscriptions = `
  CREATE TABLE push_subscriptions (
    device_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX push_subscriptions_by_user ON push_subscriptions(user_id);
  `

// Groups a device left by its revocation, per user (docs/protocol.md §5.2): where a recovered
// device of the person may take the revoked device's place.
export const revokedMemberships = `
  CREATE TABLE revoked_memberships (
    user_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    PRIMARY KEY (user_id, group_id)
  ) WITHOUT ROWID;
  `

// Organisation device policies (docs/organisations.md "Policies"): each device's last-seen day
// (days since 1970, never a finer time), for devices.revokeAfterDaysUnseen. Devices that exist
// now count as seen today, so a policy set later starts counting from the upgrade.
export const deviceLastSeenDay = `
  ALTER TABLE devices ADD COLUMN last_seen_day INTEGER;
  UPDATE devices SET last_seen_day = CAST(strftime('%s', 'now') AS INTEGER) / 86400 WHERE status = 'active';
  `

// Key packages per MLS cipher suite (docs/protocol.md §4.5): rows of before are suite 1.
export const keyPackageSuites = `
  ALTER TABLE key_packages ADD COLUMN suite INTEGER NOT NULL DEFAULT 1;
  DROP INDEX key_packages_by_device;
  CREATE INDEX key_packages_by_device ON key_packages(device_id, suite, last_resort);
  `

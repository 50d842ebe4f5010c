// The first schema (user_version 1): users, devices, key packages, groups, the message queue and
// the key directory. Later steps change it; the order of every step is the list in
// ../migrations.ts.

export const initialSchema = `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE users (user_id TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
  CREATE TABLE devices (
    device_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    public_key BLOB NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending','active','revoked')),
    created_at INTEGER NOT NULL,
    attested_by TEXT,
    attestation BLOB
  );
  CREATE INDEX devices_by_user ON devices(user_id);
  CREATE TABLE nonces (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
  CREATE TABLE key_packages (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL,
    last_resort INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  CREATE INDEX key_packages_by_device ON key_packages(device_id, last_resort);
  CREATE TABLE groups (group_id TEXT PRIMARY KEY, epoch INTEGER NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE group_members (
    group_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    PRIMARY KEY (group_id, device_id)
  ) WITHOUT ROWID;
  CREATE INDEX group_members_by_device ON group_members(device_id);
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    sender TEXT NOT NULL,
    message_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    kind INTEGER NOT NULL,
    sent_at INTEGER NOT NULL,
    payload BLOB NOT NULL,
    remaining INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX messages_dedup ON messages(sender, message_id, kind);
  CREATE TABLE queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    message INTEGER NOT NULL
  );
  CREATE INDEX queue_by_device ON queue(device_id, seq);
  CREATE TABLE directory_entries (
    label TEXT NOT NULL,
    version INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    search_key BLOB NOT NULL,
    commitment BLOB NOT NULL,
    value BLOB,
    opening BLOB,
    PRIMARY KEY (label, version)
  ) WITHOUT ROWID;
  CREATE TABLE directory_epochs (
    epoch INTEGER PRIMARY KEY,
    timestamp INTEGER NOT NULL,
    prefix_root BLOB NOT NULL,
    checkpoint TEXT NOT NULL
  );
  `

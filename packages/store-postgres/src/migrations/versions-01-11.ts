// Schema versions 1–11, in order (MIGRATIONS in ../migrations.ts puts the eras together): the
// first schema (users, devices, groups, the queue, key packages, nonces), the access log,
// administrators, consents, retention timers and receipt tallies (data ownership), enrolment
// requests, witness cosignatures, accepted commits, erased user ids and the directory backlog,
// recent sends. Released: never edit one.
export const VERSIONS_1_TO_11: readonly string[] = [
  `
  CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
  CREATE TABLE users (user_id text COLLATE "C" PRIMARY KEY, created_at bigint NOT NULL);
  CREATE TABLE devices (
    device_id text COLLATE "C" PRIMARY KEY,
    user_id text COLLATE "C" NOT NULL,
    name text NOT NULL,
    public_key bytea NOT NULL UNIQUE,
    status text NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
    created_at bigint NOT NULL,
    attested_by text,
    attestation bytea
  );
  CREATE TABLE directory_entries (
    label text COLLATE "C" NOT NULL,
    version integer NOT NULL,
    epoch integer NOT NULL,
    search_key bytea NOT NULL,
    commitment bytea NOT NULL,
    value bytea,
    opening bytea,
    PRIMARY KEY (label, version)
  );
  CREATE TABLE directory_epochs (
    epoch integer PRIMARY KEY,
    timestamp bigint NOT NULL,
    prefix_root bytea NOT NULL,
    checkpoint text NOT NULL
  );
  CREATE INDEX devices_by_user ON devices (user_id);
  CREATE TABLE nonces (nonce text COLLATE "C" PRIMARY KEY, expires_at bigint NOT NULL);
  CREATE INDEX nonces_by_expiry ON nonces (expires_at);
  CREATE TABLE key_packages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id text COLLATE "C" NOT NULL,
    last_resort boolean NOT NULL,
    data bytea NOT NULL
  );
  CREATE INDEX key_packages_one_time ON key_packages (device_id, id) WHERE NOT last_resort;
  -- At most one last-resort package per device, even under concurrent uploads.
  CREATE UNIQUE INDEX key_packages_last_resort ON key_packages (device_id) WHERE last_resort;
  CREATE TABLE groups (group_id text COLLATE "C" PRIMARY KEY, epoch bigint NOT NULL, created_at bigint NOT NULL);
  CREATE TABLE group_members (
    group_id text COLLATE "C" NOT NULL,
    device_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (group_id, device_id)
  );
  CREATE INDEX group_members_by_device ON group_members (device_id);
  CREATE TABLE messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sender text COLLATE "C" NOT NULL,
    message_id text COLLATE "C" NOT NULL,
    group_id text COLLATE "C" NOT NULL,
    kind smallint NOT NULL,
    sent_at bigint NOT NULL,
    payload bytea NOT NULL,
    -- Queue entries still pointing here; the row goes when the last one is acknowledged.
    remaining integer NOT NULL
  );
  -- Ciphertext does not compress: store large payloads out of line without trying.
  ALTER TABLE messages ALTER COLUMN payload SET STORAGE EXTERNAL;
  CREATE UNIQUE INDEX messages_dedup ON messages (sender, message_id, kind);
  -- The last queue seq handed out per device. Updating this row in the writing transaction
  -- serialises a device's writers, so its seqs become visible in commit order (see README).
  CREATE TABLE device_seq (device_id text COLLATE "C" PRIMARY KEY, last_seq bigint NOT NULL);
  CREATE TABLE queue (
    device_id text COLLATE "C" NOT NULL,
    seq bigint NOT NULL,
    message bigint NOT NULL,
    PRIMARY KEY (device_id, seq)
  );
  `,
  // access log (data ownership): leaves with their sealed receipts and subjects
  `
  CREATE TABLE access_log (
    idx bigint PRIMARY KEY,
    leaf_hash bytea NOT NULL,
    envelope bytea,
    subject text COLLATE "C",
    logged_at bigint NOT NULL,
    visible_at bigint NOT NULL
  );
  CREATE INDEX access_log_by_subject ON access_log(subject, idx);
  `,
  // administrators (data ownership)
  `
  CREATE TABLE admins (
    user_id text COLLATE "C" PRIMARY KEY,
    role text NOT NULL,
    org text NOT NULL,
    granted_by text,
    granted_at bigint NOT NULL
  );
  `,
  // consent ledger (data ownership)
  `
  CREATE TABLE consents (
    seq bigserial PRIMARY KEY,
    user_id text COLLATE "C" NOT NULL,
    record text NOT NULL,
    signature bytea NOT NULL,
    at bigint NOT NULL
  );
  CREATE INDEX consents_by_user ON consents(user_id, seq);
  `,
  // retention timers (data ownership)
  `
  CREATE TABLE group_retention (group_id text COLLATE "C" PRIMARY KEY, retention_ms bigint NOT NULL);
  CREATE INDEX messages_by_group_sent ON messages(group_id, sent_at);
  `,
  // Each subject's tally of receipts, which their key-directory entry commits to (withheld
  // receipts, docs/data-ownership.md). Leaves logged before this have no position yet: the
  // server tallies and publishes them on its next sweep.
  `
  ALTER TABLE access_log ADD COLUMN position bigint;
  CREATE UNIQUE INDEX access_log_tally ON access_log(subject, position) WHERE position IS NOT NULL;
  CREATE INDEX access_log_untallied ON access_log(visible_at) WHERE position IS NULL AND subject IS NOT NULL;
  `,
  // Enrolment requests leave the devices table: a request is not a device (it counts toward no
  // device limit, expires, and is dropped for newer ones). Requests pending before this expire
  // 10 minutes after they were filed, as if the rule had always applied.
  `
  CREATE TABLE enrolments (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id text COLLATE "C" NOT NULL UNIQUE,
    user_id text COLLATE "C" NOT NULL,
    name text NOT NULL,
    public_key bytea NOT NULL UNIQUE,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
  );
  CREATE INDEX enrolments_by_user ON enrolments (user_id, seq);
  CREATE INDEX enrolments_by_expiry ON enrolments (expires_at);
  INSERT INTO enrolments (device_id, user_id, name, public_key, created_at, expires_at)
    SELECT device_id, user_id, name, public_key, created_at, created_at + 600000 FROM devices WHERE status = 'pending' ORDER BY created_at;
  DELETE FROM devices WHERE status = 'pending';
  `,
  // Witness cosignatures of directory checkpoints, each witness's newest, shared by every node.
  `
  CREATE TABLE witness_cosignatures (
    witness text COLLATE "C" NOT NULL,
    key_id bigint NOT NULL,
    size bigint NOT NULL,
    timestamp bigint NOT NULL,
    signature bytea NOT NULL,
    PRIMARY KEY (witness, key_id)
  );
  CREATE INDEX witness_cosignatures_by_size ON witness_cosignatures (size);
  `,
  // Which commit took each epoch of a group, so a committer whose answer was lost can ask.
  `
  CREATE TABLE group_commits (
    group_id text COLLATE "C" NOT NULL,
    epoch bigint NOT NULL,
    message_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (group_id, epoch)
  );
  `,
  // Erased accounts' user ids (their digests), never given out again; and the key directory's
  // backlog of users whose entries must be published, written in the transaction that changed them.
  `
  CREATE TABLE erased_user_ids (digest text COLLATE "C" PRIMARY KEY);
  CREATE TABLE directory_backlog (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id text COLLATE "C" NOT NULL,
    erased boolean NOT NULL
  );
  `,
  // Every message stored in the last minutes by its (sender, message id, kind), kept after its
  // queue entries are acknowledged: a sender retrying after a lost `accepted` is a duplicate
  // even once every recipient acknowledged the first copy (pruned by age: RECENT_SENDS_MS).
  `
  CREATE TABLE recent_sends (
    sender text COLLATE "C" NOT NULL,
    message_id text COLLATE "C" NOT NULL,
    kind smallint NOT NULL,
    sent_at bigint NOT NULL,
    PRIMARY KEY (sender, message_id, kind)
  );
  CREATE INDEX recent_sends_by_time ON recent_sends (sent_at);
  `,
]

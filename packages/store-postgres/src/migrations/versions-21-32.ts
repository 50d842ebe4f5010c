// Schema versions 21–32, in order (MIGRATIONS in ../migrations.ts puts the eras together): Web
// Push, compliance, attachment lifecycle, invite links, revoked memberships, last-seen days, key
// packages per cipher suite, recent_sends' BRIN index, directory-linked conversations, directory
// tombstones, withdrawn data-rights requests, the inline queue. Released: never edit one; a new
// migration goes at the end of the last era's file (or a new era file).
export const VERSIONS_21_TO_32: readonly string[] = [
  // Web Push subscriptions: one per device (docs/protocol.md, "Web Push").
  `
  CREATE TABLE push_subscriptions (
    device_id text COLLATE "C" PRIMARY KEY,
    user_id text COLLATE "C" NOT NULL,
    endpoint text NOT NULL,
    p256dh text NOT NULL,
    auth text NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE INDEX push_subscriptions_by_user ON push_subscriptions (user_id);
  `,
  // Compliance: archive key versions and officers' sealed shares, unlock requests and their
  // approvals, legal holds (docs/compliance.md). Ciphertext and signed statements only.
  `
  CREATE TABLE archive_keys (
    org_id text COLLATE "C" NOT NULL REFERENCES organisations(org_id),
    version integer NOT NULL,
    k integer NOT NULL,
    n integer NOT NULL,
    record text NOT NULL,
    created_by text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    audit_index bigint NOT NULL,
    PRIMARY KEY (org_id, version)
  );
  CREATE TABLE officer_shares (
    org_id text COLLATE "C" NOT NULL,
    version integer NOT NULL,
    device_id text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    sealed text NOT NULL,
    PRIMARY KEY (org_id, version, device_id),
    FOREIGN KEY (org_id, version) REFERENCES archive_keys(org_id, version)
  );
  CREATE TABLE unlock_requests (
    org_id text COLLATE "C" NOT NULL REFERENCES organisations(org_id),
    request_id text COLLATE "C" NOT NULL,
    request text NOT NULL,
    requested_by text COLLATE "C" NOT NULL,
    requested_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    state text NOT NULL CHECK (state IN ('pending','opened','withdrawn')),
    opened_at bigint,
    PRIMARY KEY (org_id, request_id)
  );
  CREATE TABLE unlock_approvals (
    org_id text COLLATE "C" NOT NULL,
    request_id text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    device_id text COLLATE "C" NOT NULL,
    approval text NOT NULL,
    at bigint NOT NULL,
    PRIMARY KEY (org_id, request_id, user_id),
    FOREIGN KEY (org_id, request_id) REFERENCES unlock_requests(org_id, request_id)
  );
  CREATE TABLE legal_holds (
    org_id text COLLATE "C" NOT NULL REFERENCES organisations(org_id),
    hold_id text COLLATE "C" NOT NULL,
    target text COLLATE "C" NOT NULL,
    hold text NOT NULL,
    placed_by text COLLATE "C" NOT NULL,
    placed_at bigint NOT NULL,
    released_at bigint,
    released_by text COLLATE "C",
    PRIMARY KEY (org_id, hold_id)
  );
  CREATE INDEX legal_holds_by_target ON legal_holds (target) WHERE released_at IS NULL;
  `,
  // Attachment lifecycle (docs/protocol.md §2.4): at completion, a blob's expiry and how many
  // recipients it had, and each recipient device with when it fetched the blob.
  `
  ALTER TABLE blob_bindings ADD COLUMN expires_at bigint;
  ALTER TABLE blob_bindings ADD COLUMN recipients integer;
  CREATE INDEX blob_bindings_by_expiry ON blob_bindings (expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE blob_recipients (
    blob_id text COLLATE "C" NOT NULL,
    device_id text COLLATE "C" NOT NULL,
    fetched_at bigint,
    PRIMARY KEY (blob_id, device_id)
  );
  CREATE INDEX blob_recipients_by_device ON blob_recipients (device_id);
  `,
  // Invite links: the SHA-256 of each link's secret (never the secret), its creator, expiry and uses.
  `
  CREATE TABLE invites (
    invite_id text COLLATE "C" PRIMARY KEY,
    creator text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    max_uses integer NOT NULL,
    uses integer NOT NULL DEFAULT 0,
    revoked boolean NOT NULL DEFAULT false
  );
  CREATE INDEX invites_by_creator ON invites (creator, created_at);
  `,
  // Groups a device left by its revocation, per user (docs/protocol.md §5.2): where a recovered
  // device of the person may take the revoked device's place.
  `
  CREATE TABLE revoked_memberships (
    user_id text COLLATE "C" NOT NULL,
    group_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, group_id)
  );
  `,
  // Organisation device policies (docs/organisations.md "Policies"): each device's last-seen day
  // (days since 1970, never a finer time), for devices.revokeAfterDaysUnseen. Devices that exist
  // now count as seen today, so a policy set later starts counting from the upgrade.
  `
  ALTER TABLE devices ADD COLUMN last_seen_day integer;
  UPDATE devices SET last_seen_day = floor(extract(epoch FROM now()) / 86400)::integer WHERE status = 'active';
  `,
  // Key packages per MLS cipher suite (docs/protocol.md §4.5): rows of before are suite 1.
  `
  ALTER TABLE key_packages ADD COLUMN suite integer NOT NULL DEFAULT 1;
  DROP INDEX key_packages_one_time;
  DROP INDEX key_packages_last_resort;
  CREATE INDEX key_packages_one_time ON key_packages (device_id, suite, id) WHERE NOT last_resort;
  -- At most one last-resort package per device and suite, even under concurrent uploads.
  CREATE UNIQUE INDEX key_packages_last_resort ON key_packages (device_id, suite) WHERE last_resort;
  `,
  // recent_sends pruned through a BRIN index on sent_at: rows arrive in sent_at order, so a
  // min/max per block range finds the old ones for the pruning a node runs once a minute, while
  // the B-tree it replaces took an entry written (and later deleted) with every send.
  `
  DROP INDEX recent_sends_by_time;
  CREATE INDEX recent_sends_by_time ON recent_sends USING brin (sent_at);
  `,
  // Directory-linked conversations (docs/protocol.md §5.9): a conversation follows one SCIM group of its organisation.
  `
  CREATE TABLE directory_links (
    group_id text COLLATE "C" PRIMARY KEY,
    org_id text COLLATE "C" NOT NULL,
    scim_group_id text COLLATE "C" NOT NULL,
    linked_by text COLLATE "C" NOT NULL,
    linked_at bigint NOT NULL
  );
  CREATE INDEX directory_links_by_scim_group ON directory_links (org_id, scim_group_id);
  `,
  // Key-directory tombstones in the order they were made (docs/scale-out.md "The key directory"):
  // other nodes catch up on them without reloading the directory.
  `
  CREATE TABLE directory_tombstones (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    label text COLLATE "C" NOT NULL,
    version integer
  );
  `,
  // A data-rights request its requester withdrew is stored as `withdrawn` (docs/protocol.md §4.10),
  // and the person's own requests are listed by requester.
  `
  ALTER TABLE org_approvals DROP CONSTRAINT org_approvals_state_check;
  ALTER TABLE org_approvals ADD CONSTRAINT org_approvals_state_check CHECK (state IN ('pending','approved','executed','withdrawn'));
  CREATE INDEX org_approvals_by_requester ON org_approvals (org_id, requested_by, requested_at);
  `,
  // A message with one recipient (1:1 between single devices: the hot path) is stored inline in
  // its queue row, as the SQLite store does: one heap row and one index entry, then one delete on
  // acknowledgement, instead of a messages row with three index entries, a queue row pointing at
  // it, and two deletes. Shared messages (several recipients) stay in messages. Dedup of inline
  // messages is recent_sends' alone (docs/protocol.md §6: a retry is a duplicate for
  // RECENT_SENDS_MS).
  `
  ALTER TABLE queue
    ALTER COLUMN message DROP NOT NULL,
    ADD COLUMN sender text COLLATE "C",
    ADD COLUMN message_id text COLLATE "C",
    ADD COLUMN group_id text COLLATE "C",
    ADD COLUMN kind smallint,
    ADD COLUMN sent_at bigint,
    ADD COLUMN payload bytea,
    ADD CONSTRAINT queue_inline_or_shared CHECK ((message IS NULL) = (payload IS NOT NULL));
  ALTER TABLE queue ALTER COLUMN payload SET STORAGE EXTERNAL;
  `,
]

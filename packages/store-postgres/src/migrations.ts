// Numbered schema migrations: MIGRATIONS[i] is version i + 1. Applied in order, each once,
// recorded in schema_migrations. Never edit a released migration; append a new one.
//
// Ids are `text COLLATE "C"`: byte order (as in SQLite and JavaScript sorts) and cheaper
// comparisons than a linguistic collation.
export const MIGRATIONS: readonly string[] = [
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
  // Organisations (tenants): every user belongs to one (existing users to `default`, which a
  // fresh server opens to sign-up), or is a guest it hosts. Admin roles from before organisations
  // become organisation roles of `default` (org_admin → admin; legal_hold, export →
  // compliance_officer); the operator keeps its role and the name its receipts show.
  `
  CREATE TABLE organisations (
    org_id text COLLATE "C" PRIMARY KEY,
    name text NOT NULL,
    signup text NOT NULL CHECK (signup IN ('open','guests','closed')),
    created_at bigint NOT NULL
  );
  CREATE TABLE org_domains (domain text COLLATE "C" PRIMARY KEY, org_id text COLLATE "C" NOT NULL REFERENCES organisations(org_id), added_at bigint NOT NULL);
  CREATE INDEX org_domains_by_org ON org_domains (org_id);
  INSERT INTO organisations (org_id, name, signup, created_at) VALUES ('default', 'Default', 'open', (extract(epoch FROM now()) * 1000)::bigint);
  ALTER TABLE users ADD COLUMN org_id text COLLATE "C" NOT NULL DEFAULT 'default';
  ALTER TABLE users ADD COLUMN guest boolean NOT NULL DEFAULT false;
  CREATE INDEX users_by_org ON users (org_id, user_id);
  UPDATE admins SET role = CASE role WHEN 'org_admin' THEN 'admin' WHEN 'legal_hold' THEN 'compliance_officer' WHEN 'export' THEN 'compliance_officer' ELSE role END;
  UPDATE admins SET org = 'default' WHERE role <> 'operator';
  `,
  // Conversations reset onto a new group (docs/protocol.md §5.4): each group is reset at most once.
  `
  CREATE TABLE group_resets (
    previous_group text COLLATE "C" PRIMARY KEY,
    group_id text COLLATE "C" NOT NULL UNIQUE,
    conversation_id text COLLATE "C" NOT NULL,
    epoch bigint NOT NULL,
    reset_by text COLLATE "C" NOT NULL,
    reset_at bigint NOT NULL
  );
  `,
  // SCIM provisioning (docs/organisations.md §SCIM): each organisation's bearer tokens (digests
  // only), the people it provisioned (one row per user id; `deleted` rows stay hidden while the
  // account exists, so only the same externalId comes back), its groups and their members, and
  // the digests that let it bring back an erased person under the same externalId.
  `
  CREATE TABLE scim_tokens (
    token_id text COLLATE "C" PRIMARY KEY,
    org_id text COLLATE "C" NOT NULL REFERENCES organisations(org_id),
    digest text COLLATE "C" NOT NULL UNIQUE,
    created_by text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    revoked_at bigint
  );
  CREATE INDEX scim_tokens_by_org ON scim_tokens (org_id, created_at);
  CREATE TABLE scim_users (
    scim_id text COLLATE "C" PRIMARY KEY,
    org_id text COLLATE "C" NOT NULL REFERENCES organisations(org_id),
    user_id text COLLATE "C" NOT NULL UNIQUE,
    external_id text COLLATE "C",
    active boolean NOT NULL,
    attributes text NOT NULL,
    version bigint NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    rejoin boolean NOT NULL DEFAULT false,
    deleted boolean NOT NULL DEFAULT false
  );
  CREATE UNIQUE INDEX scim_users_by_external_id ON scim_users (org_id, external_id) WHERE NOT deleted AND external_id IS NOT NULL;
  CREATE INDEX scim_users_by_org ON scim_users (org_id, created_at, scim_id);
  CREATE TABLE scim_returning (digest text COLLATE "C" PRIMARY KEY);
  CREATE TABLE scim_groups (
    scim_id text COLLATE "C" PRIMARY KEY,
    org_id text COLLATE "C" NOT NULL REFERENCES organisations(org_id),
    display_name text NOT NULL,
    external_id text COLLATE "C",
    version bigint NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE INDEX scim_groups_by_org ON scim_groups (org_id, created_at, scim_id);
  CREATE TABLE scim_group_members (
    group_id text COLLATE "C" NOT NULL REFERENCES scim_groups(scim_id),
    member_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (group_id, member_id)
  );
  CREATE INDEX scim_group_members_by_member ON scim_group_members (member_id);
  `,
  // Attachment blobs (docs/protocol.md §2.4): the bytes for PostgresBlobStore (one row per
  // append, stored uncompressed: ciphertext does not compress) and, for the Store, the group each
  // blob was uploaded to and its uploader (NULL once that account is erased).
  `
  CREATE TABLE blobs (
    blob_id text COLLATE "C" PRIMARY KEY,
    owner text COLLATE "C" NOT NULL,
    size bigint NOT NULL,
    received bigint NOT NULL,
    complete boolean NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE INDEX blobs_by_created ON blobs (created_at);
  CREATE INDEX blobs_by_owner ON blobs (owner);
  CREATE TABLE blob_chunks (
    blob_id text COLLATE "C" NOT NULL,
    start bigint NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (blob_id, start)
  );
  ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
  CREATE TABLE blob_bindings (
    blob_id text COLLATE "C" PRIMARY KEY,
    group_id text COLLATE "C" NOT NULL,
    uploader text COLLATE "C",
    size bigint NOT NULL,
    bound_at bigint NOT NULL
  );
  CREATE INDEX blob_bindings_by_group ON blob_bindings (group_id);
  CREATE INDEX blob_bindings_by_uploader ON blob_bindings (uploader, bound_at);
  `,
  // Single sign-on (docs/organisations.md): each organisation's identity provider (the client
  // secret only as a box sealed under a key of the server's key file) and each person's identity
  // at it: the subject bound on the first sign-in, the last sign-in and a logout that ended it.
  `
  CREATE TABLE org_sso (
    org_id text COLLATE "C" PRIMARY KEY REFERENCES organisations(org_id),
    issuer text NOT NULL,
    client_id text NOT NULL,
    client_secret_box bytea NOT NULL,
    allowed_domains text[] NOT NULL,
    groups_claim text,
    require_sso boolean NOT NULL,
    reauth_ms bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE TABLE sso_identities (
    user_id text COLLATE "C" PRIMARY KEY,
    org_id text COLLATE "C" NOT NULL,
    issuer text COLLATE "C" NOT NULL,
    subject text COLLATE "C" NOT NULL,
    email text NOT NULL,
    sid text COLLATE "C",
    authenticated_at bigint NOT NULL,
    ended_at bigint,
    UNIQUE (org_id, issuer, subject)
  );
  CREATE INDEX sso_identities_by_sid ON sso_identities (org_id, issuer, sid);
  `,
  // Each group's public state: its latest signed GroupInfo (docs/protocol.md §5.1).
  `
  ALTER TABLE groups ADD COLUMN group_info bytea;
  `,
  // Consent to be contacted (docs/protocol.md §5.5): contacts, blocks, an organisation's policy,
  // contact requests (one per recipient and group) and the deliveries held while one is pending.
  `
  CREATE TABLE contacts (user_id text COLLATE "C" NOT NULL, contact_id text COLLATE "C" NOT NULL, added_at bigint NOT NULL, PRIMARY KEY (user_id, contact_id));
  CREATE TABLE blocks (user_id text COLLATE "C" NOT NULL, blocked_id text COLLATE "C" NOT NULL, blocked_at bigint NOT NULL, PRIMARY KEY (user_id, blocked_id));
  CREATE INDEX blocks_by_blocked ON blocks (blocked_id);
  CREATE TABLE org_contact_policy (org_id text COLLATE "C" PRIMARY KEY REFERENCES organisations(org_id), requests_inside boolean NOT NULL);
  CREATE TABLE contact_requests (
    request_id text COLLATE "C" PRIMARY KEY,
    recipient text COLLATE "C" NOT NULL,
    sender text COLLATE "C" NOT NULL,
    sender_device text COLLATE "C" NOT NULL,
    group_id text COLLATE "C" NOT NULL,
    devices text[] NOT NULL,
    state text NOT NULL CHECK (state IN ('pending','accepted','declined')),
    created_at bigint NOT NULL,
    UNIQUE (group_id, recipient)
  );
  CREATE INDEX contact_requests_by_recipient ON contact_requests (recipient, state, created_at);
  CREATE INDEX contact_requests_by_sender ON contact_requests (sender, state);
  CREATE TABLE request_holds (
    pos bigserial PRIMARY KEY,
    request_id text COLLATE "C" NOT NULL,
    device_id text COLLATE "C" NOT NULL,
    message_id text COLLATE "C" NOT NULL,
    group_id text COLLATE "C" NOT NULL,
    sender text COLLATE "C" NOT NULL,
    kind smallint NOT NULL,
    sent_at bigint NOT NULL,
    payload bytea NOT NULL
  );
  CREATE INDEX request_holds_by_request ON request_holds (request_id, pos);
  `,
  // Recovery keys (docs/protocol.md §4.2: every key a person set, with the statement that set
  // it) and sealed history archives (their bytes are in the blob store).
  `
  CREATE TABLE recovery_keys (
    seq bigserial PRIMARY KEY,
    user_id text COLLATE "C" NOT NULL,
    public_key bytea NOT NULL,
    previous bytea,
    set_by text COLLATE "C" NOT NULL,
    set_by_key bytea NOT NULL,
    signature bytea NOT NULL,
    set_at bigint NOT NULL
  );
  CREATE INDEX recovery_keys_by_user ON recovery_keys (user_id, seq);
  CREATE TABLE history_archives (
    archive_id text COLLATE "C" PRIMARY KEY,
    user_id text COLLATE "C" NOT NULL,
    recipient text COLLATE "C" NOT NULL,
    sender text COLLATE "C" NOT NULL,
    size bigint NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE INDEX history_archives_by_user ON history_archives (user_id, recipient);
  `,
  `
  CREATE TABLE org_audit_log (
    org_id text COLLATE "C" NOT NULL REFERENCES organisations(org_id),
    idx bigint NOT NULL,
    leaf_hash bytea NOT NULL,
    entry bytea NOT NULL,
    logged_at bigint NOT NULL,
    PRIMARY KEY (org_id, idx)
  );
  CREATE TABLE org_siem (org_id text COLLATE "C" PRIMARY KEY REFERENCES organisations(org_id), config text NOT NULL, updated_at bigint NOT NULL);
  CREATE TABLE org_approvals (
    org_id text COLLATE "C" NOT NULL REFERENCES organisations(org_id),
    approval_id text COLLATE "C" NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    reason text NOT NULL,
    requested_by text COLLATE "C" NOT NULL,
    requested_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    state text NOT NULL CHECK (state IN ('pending','approved','executed')),
    approved_by text COLLATE "C",
    approved_at bigint,
    executed_at bigint,
    PRIMARY KEY (org_id, approval_id)
  );
  CREATE TABLE org_policies (
    org_id text COLLATE "C" NOT NULL REFERENCES organisations(org_id),
    version integer NOT NULL,
    note text NOT NULL,
    audit_index bigint NOT NULL,
    created_by text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (org_id, version)
  );
  `,
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

// Schema versions 12–20, in order (MIGRATIONS in ../migrations.ts puts the eras together):
// organisations and memberships, conversation resets, SCIM provisioning, attachment blobs,
// single sign-on, groups' GroupInfo, consent to be contacted, recovery keys and history archives,
// organisation governance. Released: never edit one.
export const VERSIONS_12_TO_20: readonly string[] = [
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
]

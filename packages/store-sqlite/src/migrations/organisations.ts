// Schema steps for organisations (docs/organisations.md): tenants and their domains, SCIM
// provisioning, single sign-on, directory-linked conversations. Their order, and so each one's
// version, is the list in ../migrations.ts.

// Organisations (tenants): every user belongs to one (existing users to `default`, which a
// fresh server opens to sign-up), or is a guest it hosts. Admin roles from before organisations
// become organisation roles of `default` (org_admin → admin; legal_hold, export →
// compliance_officer); the operator keeps its role and the name its receipts show.
export const organisations = `
  CREATE TABLE organisations (
    org_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    signup TEXT NOT NULL CHECK (signup IN ('open','guests','closed')),
    created_at INTEGER NOT NULL
  );
  CREATE TABLE org_domains (domain TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organisations(org_id), added_at INTEGER NOT NULL);
  CREATE INDEX org_domains_by_org ON org_domains(org_id);
  INSERT INTO organisations (org_id, name, signup, created_at) VALUES ('default', 'Default', 'open', CAST(unixepoch('subsec') * 1000 AS INTEGER));
  ALTER TABLE users ADD COLUMN org_id TEXT NOT NULL DEFAULT 'default';
  ALTER TABLE users ADD COLUMN guest INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX users_by_org ON users(org_id, user_id);
  UPDATE admins SET role = CASE role WHEN 'org_admin' THEN 'admin' WHEN 'legal_hold' THEN 'compliance_officer' WHEN 'export' THEN 'compliance_officer' ELSE role END;
  UPDATE admins SET org = 'default' WHERE role <> 'operator';
  `

// SCIM provisioning (docs/organisations.md §SCIM): each organisation's bearer tokens (digests
// only), the people it provisioned (one row per user id; `deleted` rows stay hidden while the
// account exists, so only the same externalId comes back), its groups and their members, and
// the digests that let it bring back an erased person under the same externalId.
export const scimProvisioning = `
  CREATE TABLE scim_tokens (
    token_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations(org_id),
    digest TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE INDEX scim_tokens_by_org ON scim_tokens(org_id, created_at);
  CREATE TABLE scim_users (
    scim_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations(org_id),
    user_id TEXT NOT NULL UNIQUE,
    external_id TEXT,
    active INTEGER NOT NULL,
    attributes TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    rejoin INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0
  );
  CREATE UNIQUE INDEX scim_users_by_external_id ON scim_users(org_id, external_id) WHERE deleted = 0 AND external_id IS NOT NULL;
  CREATE INDEX scim_users_by_org ON scim_users(org_id, created_at, scim_id);
  CREATE TABLE scim_returning (digest TEXT PRIMARY KEY) WITHOUT ROWID;
  CREATE TABLE scim_groups (
    scim_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organisations(org_id),
    display_name TEXT NOT NULL,
    external_id TEXT,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX scim_groups_by_org ON scim_groups(org_id, created_at, scim_id);
  CREATE TABLE scim_group_members (
    group_id TEXT NOT NULL REFERENCES scim_groups(scim_id),
    member_id TEXT NOT NULL,
    PRIMARY KEY (group_id, member_id)
  ) WITHOUT ROWID;
  CREATE INDEX scim_group_members_by_member ON scim_group_members(member_id);
  `

// Single sign-on (docs/organisations.md): each organisation's identity provider (the client
// secret only as a box sealed under a key of the server's key file) and each person's identity
// at it: the subject bound on the first sign-in, the last sign-in and a logout that ended it.
export const singleSignOn = `
  CREATE TABLE org_sso (
    org_id TEXT PRIMARY KEY REFERENCES organisations(org_id),
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_box BLOB NOT NULL,
    allowed_domains TEXT NOT NULL,
    groups_claim TEXT,
    require_sso INTEGER NOT NULL,
    reauth_ms INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE sso_identities (
    user_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT NOT NULL,
    sid TEXT,
    authenticated_at INTEGER NOT NULL,
    ended_at INTEGER,
    UNIQUE (org_id, issuer, subject)
  );
  CREATE INDEX sso_identities_by_sid ON sso_identities(org_id, issuer, sid);
  `

// Directory-linked conversations (docs/protocol.md §5.9): a conversation follows one SCIM group of its organisation.
export const directoryLinks = `
  CREATE TABLE directory_links (
    group_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    scim_group_id TEXT NOT NULL,
    linked_by TEXT NOT NULL,
    linked_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX directory_links_by_scim_group ON directory_links(org_id, scim_group_id);
  `

// Schema steps for who may reach whom: contacts, blocks, contact requests, invite links. Their
// order, and so each one's version, is the list in ../migrations.ts.

// Consent to be contacted (docs/protocol.md §5.5): contacts, blocks, an organisation's policy,
// contact requests (one per recipient and group) and the deliveries held while one is pending.
export const contactConsent = `
  CREATE TABLE contacts (user_id TEXT NOT NULL, contact_id TEXT NOT NULL, added_at INTEGER NOT NULL, PRIMARY KEY (user_id, contact_id)) WITHOUT ROWID;
  CREATE TABLE blocks (user_id TEXT NOT NULL, blocked_id TEXT NOT NULL, blocked_at INTEGER NOT NULL, PRIMARY KEY (user_id, blocked_id)) WITHOUT ROWID;
  CREATE INDEX blocks_by_blocked ON blocks(blocked_id);
  CREATE TABLE org_contact_policy (org_id TEXT PRIMARY KEY, requests_inside INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE contact_requests (
    request_id TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    sender TEXT NOT NULL,
    sender_device TEXT NOT NULL,
    group_id TEXT NOT NULL,
    devices TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending','accepted','declined')),
    created_at INTEGER NOT NULL,
    UNIQUE (group_id, recipient)
  );
  CREATE INDEX contact_requests_by_recipient ON contact_requests(recipient, state, created_at);
  CREATE INDEX contact_requests_by_sender ON contact_requests(sender, state);
  CREATE TABLE request_holds (
    pos INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    kind INTEGER NOT NULL,
    sent_at INTEGER NOT NULL,
    payload BLOB NOT NULL
  );
  CREATE INDEX request_holds_by_request ON request_holds(request_id, pos);
  `

// Invite links: the SHA-256 of each link's secret (never the secret), its creator, expiry and uses.
export const inviteLinks = `
  CREATE TABLE invites (
    invite_id TEXT PRIMARY KEY,
    creator TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    max_uses INTEGER NOT NULL,
    uses INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  CREATE INDEX invites_by_creator ON invites(creator, created_at);
  `

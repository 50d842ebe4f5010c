// Schema steps for data ownership (docs/data-ownership.md): the access log and its receipt tallies,
// administrators, the consent ledger, retention timers. Their order, and so each one's version, is
// the list in ../migrations.ts.

// access log (data ownership): leaves with their sealed receipts and subjects
export const accessLog = `
  CREATE TABLE access_log (
    idx INTEGER PRIMARY KEY,
    leaf_hash BLOB NOT NULL,
    envelope BLOB,
    subject TEXT,
    logged_at INTEGER NOT NULL,
    visible_at INTEGER NOT NULL
  );
  CREATE INDEX access_log_by_subject ON access_log(subject, idx);
  `

// administrators (data ownership)
export const administrators = `
  CREATE TABLE admins (
    user_id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    org TEXT NOT NULL,
    granted_by TEXT,
    granted_at INTEGER NOT NULL
  );
  `

// consent ledger (data ownership)
export const consentLedger = `
  CREATE TABLE consents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    record TEXT NOT NULL,
    signature BLOB NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX consents_by_user ON consents(user_id, seq);
  `

// retention timers (data ownership)
export const retentionTimers = `
  CREATE TABLE group_retention (group_id TEXT PRIMARY KEY, retention_ms INTEGER NOT NULL);
  CREATE INDEX messages_by_group_sent ON messages(group_id, sent_at);
  `

// Each subject's tally of receipts, which their key-directory entry commits to (withheld
// receipts, docs/data-ownership.md). Leaves logged before this have no position yet: the
// server tallies and publishes them on its next sweep.
export const accessReceiptTallies = `
  ALTER TABLE access_log ADD COLUMN position INTEGER;
  CREATE UNIQUE INDEX access_log_tally ON access_log(subject, position) WHERE position IS NOT NULL;
  CREATE INDEX access_log_untallied ON access_log(visible_at) WHERE position IS NULL AND subject IS NOT NULL;
  `

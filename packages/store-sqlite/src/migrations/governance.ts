// Schema steps for an organisation's governance and compliance: audit trail, SIEM settings,
// approvals, policies, archive keys, unlock requests, legal holds. Their order, and so each one's
// version, is the list in ../migrations.ts.

// Organisation governance (governance-storage.ts): the audit trail, SIEM settings, approvals and policies.
export const orgGovernance = `
  CREATE TABLE org_audit_log (
    org_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    leaf_hash BLOB NOT NULL,
    entry BLOB NOT NULL,
    logged_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, idx)
  ) WITHOUT ROWID;
  CREATE TABLE org_siem (org_id TEXT PRIMARY KEY, config TEXT NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE org_approvals (
    org_id TEXT NOT NULL,
    approval_id TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending','approved','executed')),
    approved_by TEXT,
    approved_at INTEGER,
    executed_at INTEGER,
    PRIMARY KEY (org_id, approval_id)
  ) WITHOUT ROWID;
  CREATE TABLE org_policies (
    org_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    note TEXT NOT NULL,
    audit_index INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, version)
  ) WITHOUT ROWID;
  `

// Compliance: archive key versions and officers' sealed shares, unlock requests and their
// approvals, legal holds (docs/compliance.md). Ciphertext and signed statements only.
export const compliance = `
  CREATE TABLE archive_keys (
    org_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    k INTEGER NOT NULL,
    n INTEGER NOT NULL,
    record TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    audit_index INTEGER NOT NULL,
    PRIMARY KEY (org_id, version)
  ) WITHOUT ROWID;
  CREATE TABLE officer_shares (
    org_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    sealed TEXT NOT NULL,
    PRIMARY KEY (org_id, version, device_id)
  ) WITHOUT ROWID;
  CREATE TABLE unlock_requests (
    org_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    request TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending','opened','withdrawn')),
    opened_at INTEGER,
    PRIMARY KEY (org_id, request_id)
  ) WITHOUT ROWID;
  CREATE TABLE unlock_approvals (
    org_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    approval TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (org_id, request_id, user_id)
  ) WITHOUT ROWID;
  CREATE TABLE legal_holds (
    org_id TEXT NOT NULL,
    hold_id TEXT NOT NULL,
    target TEXT NOT NULL,
    hold TEXT NOT NULL,
    placed_by TEXT NOT NULL,
    placed_at INTEGER NOT NULL,
    released_at INTEGER,
    released_by TEXT,
    PRIMARY KEY (org_id, hold_id)
  ) WITHOUT ROWID;
  CREATE INDEX legal_holds_by_target ON legal_holds(target) WHERE released_at IS NULL;
  `

// A data-rights request its requester withdrew is stored as `withdrawn` (docs/protocol.md §4.10),
// and the person's own requests are listed by requester: the approvals table is rebuilt with
// the wider state check (SQLite cannot alter a CHECK) and an index by requester.
export const withdrawnApprovals = `
  CREATE TABLE org_approvals_v2 (
    org_id TEXT NOT NULL,
    approval_id TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending','approved','executed','withdrawn')),
    approved_by TEXT,
    approved_at INTEGER,
    executed_at INTEGER,
    PRIMARY KEY (org_id, approval_id)
  ) WITHOUT ROWID;
  INSERT INTO org_approvals_v2 SELECT org_id, approval_id, action, target, reason, requested_by, requested_at, expires_at, state, approved_by, approved_at, executed_at FROM org_approvals;
  DROP TABLE org_approvals;
  ALTER TABLE org_approvals_v2 RENAME TO org_approvals;
  CREATE INDEX org_approvals_by_requester ON org_approvals(org_id, requested_by, requested_at);
  `

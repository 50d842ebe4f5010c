// Schema steps for attachment blobs (docs/protocol.md §2.4): their bindings and lifecycle. Their
// order, and so each one's version, is the list in ../migrations.ts.

// Attachment blobs (docs/protocol.md §2.4): the group each was uploaded to and its uploader
// (NULL once that account is erased). The bytes live in the blob folder, not here.
export const blobBindings = `
  CREATE TABLE blob_bindings (
    blob_id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL,
    uploader TEXT,
    size INTEGER NOT NULL,
    bound_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX blob_bindings_by_group ON blob_bindings(group_id);
  CREATE INDEX blob_bindings_by_uploader ON blob_bindings(uploader, bound_at);
  `

// Attachment lifecycle (docs/protocol.md §2.4): at completion, a blob's expiry and how many
// recipients it had, and each recipient device with when it fetched the blob.
export const attachmentLifecycle = `
  ALTER TABLE blob_bindings ADD COLUMN expires_at INTEGER;
  ALTER TABLE blob_bindings ADD COLUMN recipients INTEGER;
  CREATE INDEX blob_bindings_by_expiry ON blob_bindings(expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE blob_recipients (
    blob_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    fetched_at INTEGER,
    PRIMARY KEY (blob_id, device_id)
  ) WITHOUT ROWID;
  CREATE INDEX blob_recipients_by_device ON blob_recipients(device_id);
  `

// Schema steps for the key directory's shared state: witness cosignatures and tombstones. Their
// order, and so each one's version, is the list in ../migrations.ts.

// Witness cosignatures of directory checkpoints, each witness's newest, shared by every node.
export const witnessCosignatures = `
  CREATE TABLE witness_cosignatures (
    witness TEXT NOT NULL,
    key_id INTEGER NOT NULL,
    size INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    signature BLOB NOT NULL,
    PRIMARY KEY (witness, key_id)
  );
  CREATE INDEX witness_cosignatures_by_size ON witness_cosignatures(size);
  `

// Key-directory tombstones in the order they were made: other readers catch up on them.
export const directoryTombstones = `
  CREATE TABLE directory_tombstones (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    label TEXT NOT NULL,
    version INTEGER
  );
  `

// Schema steps for groups: the commit that took each epoch, resets onto a new group, the latest
// GroupInfo. Their order, and so each one's version, is the list in ../migrations.ts.

// Which commit took each epoch of a group, so a committer whose answer was lost can ask.
export const groupCommits = `
  CREATE TABLE group_commits (
    group_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    PRIMARY KEY (group_id, epoch)
  ) WITHOUT ROWID;
  `

// Conversations reset onto a new group (docs/protocol.md §5.4): each group is reset at most once.
export const groupResets = `
  CREATE TABLE group_resets (
    previous_group TEXT PRIMARY KEY,
    group_id TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    reset_by TEXT NOT NULL,
    reset_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `

// Each group's public state: its latest signed GroupInfo (docs/protocol.md §5.1).
export const groupInfo = `
  ALTER TABLE groups ADD COLUMN group_info BLOB;
  `

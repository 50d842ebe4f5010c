// The Node device's search index: SQLite FTS5 in one file of the device's folder (beside the
// history it indexes, readable by the same person only). Deleting must leave nothing behind:
// secure_delete zeroes freed pages, an FTS5 'optimize' after each removal merges the index
// segments so no deleted word survives in an older one, and a WAL checkpoint (TRUNCATE)
// empties the log that held the old pages. Prefix indexes of 2 and 3 letters keep a short
// prefix (what people type first) as fast as a whole word.
import Database from 'better-sqlite3'
import { chmodSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { MessageRecord } from '../message-record.ts'
import { queryTerms, searchableText, words, type SearchIndex } from '../search/search-index.ts'

export class SqliteSearchIndex implements SearchIndex {
  readonly #path: string
  #db: Database.Database | undefined

  constructor(path: string) {
    this.#path = path
  }

  #open(): Database.Database {
    if (this.#db) return this.#db
    mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 })
    const db = new Database(this.#path)
    chmodSync(this.#path, 0o600)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('secure_delete = ON')
    db.pragma('busy_timeout = 5000')
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS records (
        n INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        conversation TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        record TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS records_conversation ON records (conversation);
      CREATE VIRTUAL TABLE IF NOT EXISTS words USING fts5 (body, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
    `)
    this.#db = db
    return db
  }

  close(): void {
    this.#db?.close()
    this.#db = undefined
  }

  async ready(): Promise<boolean> {
    return this.#open().prepare("SELECT 1 FROM meta WHERE k = 'built'").get() !== undefined
  }

  async add(records: readonly MessageRecord[]): Promise<void> {
    const db = this.#open()
    const old = db.prepare('SELECT n FROM records WHERE id = ?')
    const delWords = db.prepare('DELETE FROM words WHERE rowid = ?')
    const delRecord = db.prepare('DELETE FROM records WHERE n = ?')
    // A record replaced (an edit) keeps its place: its number is its arrival order.
    const insRecord = db.prepare('INSERT INTO records (n, id, conversation, sent_at, record) VALUES (?, ?, ?, ?, ?)')
    const insWords = db.prepare('INSERT INTO words (rowid, body) VALUES (?, ?)')
    db.transaction(() => {
      for (const m of records) {
        const prev = old.get(m.id) as { n: number } | undefined
        if (prev) {
          delWords.run(prev.n)
          delRecord.run(prev.n)
        }
        const n = insRecord.run(prev?.n ?? null, m.id, m.conversation, m.sentAt, JSON.stringify(m)).lastInsertRowid
        // Our own word split, so what is indexed is exactly what queries look for.
        insWords.run(n, words(searchableText(m)).join(' '))
      }
      db.prepare("INSERT OR IGNORE INTO meta (k, v) VALUES ('built', '1')").run()
    })()
  }

  #purge(db: Database.Database): void {
    db.prepare("INSERT INTO words (words) VALUES ('optimize')").run()
    db.pragma('wal_checkpoint(TRUNCATE)')
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return
    const db = this.#open()
    const old = db.prepare('SELECT n FROM records WHERE id = ?')
    let removed = 0
    db.transaction(() => {
      for (const id of ids) {
        const prev = old.get(id) as { n: number } | undefined
        if (!prev) continue
        db.prepare('DELETE FROM words WHERE rowid = ?').run(prev.n)
        db.prepare('DELETE FROM records WHERE n = ?').run(prev.n)
        removed++
      }
    })()
    if (removed > 0) this.#purge(db)
  }

  async removeConversation(conversation: string): Promise<void> {
    const db = this.#open()
    const ns = (db.prepare('SELECT n FROM records WHERE conversation = ?').all(conversation) as Array<{ n: number }>).map((r) => r.n)
    if (ns.length === 0) return
    db.transaction(() => {
      for (const n of ns) db.prepare('DELETE FROM words WHERE rowid = ?').run(n)
      db.prepare('DELETE FROM records WHERE conversation = ?').run(conversation)
    })()
    this.#purge(db)
  }

  async clear(): Promise<void> {
    const db = this.#open()
    db.transaction(() => {
      db.prepare('DELETE FROM records').run()
      db.prepare("INSERT INTO words (words) VALUES ('delete-all')").run()
      db.prepare("DELETE FROM meta WHERE k = 'built'").run()
    })()
    this.#purge(db)
    db.exec('VACUUM')
  }

  async search(query: string, limit: number): Promise<MessageRecord[]> {
    const terms = queryTerms(query)
    if (terms.length === 0 || limit <= 0) return []
    // Each term a quoted prefix: nothing in the query is read as FTS5 syntax. Newest first by
    // arrival on this device (rowid order), which FTS5 walks backwards and stops at the limit,
    // so a common word costs no more than a rare one.
    const match = terms.map((t) => `"${t}"*`).join(' ')
    const rows = this.#open()
      .prepare('SELECT r.record FROM (SELECT rowid FROM words WHERE words MATCH ? ORDER BY rowid DESC LIMIT ?) w JOIN records r ON r.n = w.rowid ORDER BY r.n DESC')
      .all(match, limit) as Array<{ record: string }>
    return rows.map((r) => JSON.parse(r.record) as MessageRecord)
  }
}

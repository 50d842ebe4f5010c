// Full-text search over this device's decrypted history (issue 15 "Search"). The index lives
// on the device only, beside the history it indexes, and nothing of it ever reaches the
// server: the SDK keeps it in step with the history (a record stored is indexed, a record
// that disappears, is deleted or whose conversation is erased leaves the index with it).
// Adapters: StoredSearchIndex over any LocalStore (IndexedDB in the web client, sealed like
// the rest of its store) and SqliteSearchIndex (FTS5) in ./node for the Node device.
import type { MessageRecord } from '../message-record.ts'
import { searchWords as words } from './search-words.ts'

export { words }

export interface SearchIndex {
  /** False until the index was built once on this device (the SDK then indexes the history it holds). */
  ready(): Promise<boolean>
  /** Adds (or replaces, by id) records and marks the index as built. */
  add(records: readonly MessageRecord[]): Promise<void>
  /** Removes records by id; ids it does not hold are ignored. Nothing of them stays in the index. */
  remove(ids: readonly string[]): Promise<void>
  /** Removes every record of these conversations. */
  removeConversation(conversation: string): Promise<void>
  /** Empties the index (account erasure, wiped history). */
  clear(): Promise<void>
  /** Records containing every term of the query (each as a word prefix), newest first (by sentAt, or by arrival on the device). */
  search(query: string, limit: number): Promise<MessageRecord[]>
}

/** Most results a search returns. */
export const SEARCH_LIMIT_MAX = 500
/** Longest query read (in characters); the rest is ignored. */
export const QUERY_MAX_CHARS = 256
const TERMS_MAX = 16

/** The query's distinct terms, at most 16, from its first 256 characters. */
export function queryTerms(query: string): string[] {
  return [...new Set(words(query.slice(0, QUERY_MAX_CHARS)))].slice(0, TERMS_MAX)
}

/** What of a record is searchable: what a person wrote and the names of the files they sent. */
export function searchableText(m: MessageRecord): string {
  return [m.text, ...(m.attachments ?? []).map((a) => a.name)].join(' ')
}

/** Only lines people wrote are indexed, not notices (timer, reset, undecryptable, unsupported). */
export function isSearchable(m: MessageRecord): boolean {
  return m.kind === undefined
}

// How text is cut into words for search (history and people).

/**
 * Words of a text as the index sees them: Unicode letters and digits, lower-cased, diacritics
 * removed ("Überweisung" → "uberweisung"), so a search finds what the person meant. The same
 * rule as SQLite FTS5's unicode61 tokenizer with remove_diacritics 2.
 */
export function searchWords(text: string): string[] {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
}


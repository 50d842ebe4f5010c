// The search index kept in the device's LocalStore (the web client's IndexedDB, where every
// value is sealed): records and their words' postings in 256 buckets each, held in memory
// once loaded and written back bucket by bucket as they change. Key names stay in the clear
// in that store, so they carry no content: a record's bucket comes from its random id, a
// word's from a keyed hash under a per-device salt kept (sealed) in the store itself, so a
// key name tells nothing of the words it holds.
import type { LocalStore } from '../local-store.ts'
import type { MessageRecord } from '../message-record.ts'
import { SerialLock } from '../serial-lock.ts'
import { queryTerms, searchableText, words, type SearchIndex } from './search-index.ts'

const PREFIX = 'search/'
const READY = `${PREFIX}v`
const SALT = `${PREFIX}salt`
const DOCS = `${PREFIX}d/`
const TERMS = `${PREFIX}t/`
const BUCKETS = 256

/** FNV-1a (32 bits) of a string, for spreading keys over buckets; keyed by `salt` where it must not be guessable. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

const hex = (n: number): string => (n % BUCKETS).toString(16).padStart(2, '0')

export class StoredSearchIndex implements SearchIndex {
  readonly #store: LocalStore
  readonly #lock = new SerialLock()
  #loaded: Promise<void> | undefined
  #salt = ''
  /** Bucket → record id → record. */
  readonly #docs = new Map<string, Map<string, MessageRecord>>()
  /** Bucket → word → ids of the records holding it. */
  readonly #terms = new Map<string, Map<string, Set<string>>>()
  #sortedWords: string[] | undefined
  readonly #dirtyDocs = new Set<string>()
  readonly #dirtyTerms = new Set<string>()

  constructor(store: LocalStore) {
    this.#store = store
  }

  #load(): Promise<void> {
    this.#loaded ??= (async () => {
      let salt = await this.#store.get(SALT)
      if (!salt) {
        salt = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('')
        await this.#store.put(SALT, salt)
      }
      this.#salt = salt
      for (const key of await this.#store.keys(DOCS)) {
        const o = JSON.parse((await this.#store.get(key)) ?? '{}') as Record<string, MessageRecord>
        this.#docs.set(key.slice(DOCS.length), new Map(Object.entries(o)))
      }
      for (const key of await this.#store.keys(TERMS)) {
        const o = JSON.parse((await this.#store.get(key)) ?? '{}') as Record<string, string[]>
        this.#terms.set(key.slice(TERMS.length), new Map(Object.entries(o).map(([w, ids]) => [w, new Set(ids)])))
      }
    })().catch((e: unknown) => {
      this.#loaded = undefined
      throw e
    })
    return this.#loaded
  }

  #docBucket(id: string): string {
    return hex(fnv1a(id))
  }
  #termBucket(word: string): string {
    return hex(fnv1a(this.#salt + word))
  }

  async ready(): Promise<boolean> {
    return (await this.#store.get(READY)) !== undefined
  }

  add(records: readonly MessageRecord[]): Promise<void> {
    return this.#lock.run(async () => {
      await this.#load()
      for (const m of records) {
        this.#drop(m.id)
        const b = this.#docBucket(m.id)
        const docs = this.#docs.get(b) ?? new Map<string, MessageRecord>()
        docs.set(m.id, m)
        this.#docs.set(b, docs)
        this.#dirtyDocs.add(b)
        for (const w of new Set(words(searchableText(m)))) {
          const tb = this.#termBucket(w)
          const terms = this.#terms.get(tb) ?? new Map<string, Set<string>>()
          const ids = terms.get(w)
          if (ids) ids.add(m.id)
          else {
            terms.set(w, new Set([m.id]))
            this.#sortedWords = undefined
          }
          this.#terms.set(tb, terms)
          this.#dirtyTerms.add(tb)
        }
      }
      await this.#flush()
      await this.#store.put(READY, '1')
    })
  }

  /** Takes a record and its postings out of memory, marking the buckets to write. */
  #drop(id: string): void {
    const b = this.#docBucket(id)
    const m = this.#docs.get(b)?.get(id)
    if (!m) return
    this.#docs.get(b)!.delete(id)
    this.#dirtyDocs.add(b)
    for (const w of new Set(words(searchableText(m)))) {
      const tb = this.#termBucket(w)
      const ids = this.#terms.get(tb)?.get(w)
      if (!ids) continue
      ids.delete(id)
      if (ids.size === 0) {
        this.#terms.get(tb)!.delete(w)
        this.#sortedWords = undefined
      }
      this.#dirtyTerms.add(tb)
    }
  }

  async #flush(): Promise<void> {
    for (const b of this.#dirtyDocs) {
      const docs = this.#docs.get(b)
      if (!docs || docs.size === 0) await this.#store.delete(DOCS + b)
      else await this.#store.put(DOCS + b, JSON.stringify(Object.fromEntries(docs)))
    }
    this.#dirtyDocs.clear()
    for (const b of this.#dirtyTerms) {
      const terms = this.#terms.get(b)
      if (!terms || terms.size === 0) await this.#store.delete(TERMS + b)
      else await this.#store.put(TERMS + b, JSON.stringify(Object.fromEntries([...terms].map(([w, ids]) => [w, [...ids]]))))
    }
    this.#dirtyTerms.clear()
  }

  remove(ids: readonly string[]): Promise<void> {
    return this.#lock.run(async () => {
      await this.#load()
      for (const id of ids) this.#drop(id)
      await this.#flush()
    })
  }

  removeConversation(conversation: string): Promise<void> {
    return this.#lock.run(async () => {
      await this.#load()
      for (const docs of this.#docs.values()) for (const m of [...docs.values()]) if (m.conversation === conversation) this.#drop(m.id)
      await this.#flush()
    })
  }

  clear(): Promise<void> {
    return this.#lock.run(async () => {
      await this.#load()
      for (const key of [...(await this.#store.keys(DOCS)), ...(await this.#store.keys(TERMS))]) await this.#store.delete(key)
      this.#docs.clear()
      this.#terms.clear()
      this.#sortedWords = undefined
      await this.#store.delete(READY)
    })
  }

  /** Ids of records holding a word that starts with `term` (the posting itself when only one word does). */
  #matching(term: string): ReadonlySet<string> {
    this.#sortedWords ??= [...this.#terms.values()].flatMap((t) => [...t.keys()]).sort()
    const sorted = this.#sortedWords
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (sorted[mid]! < term) lo = mid + 1
      else hi = mid
    }
    const only = sorted[lo]?.startsWith(term) && !sorted[lo + 1]?.startsWith(term)
    if (only) return this.#terms.get(this.#termBucket(sorted[lo]!))?.get(sorted[lo]!) ?? new Set()
    const out = new Set<string>()
    for (let i = lo; i < sorted.length && sorted[i]!.startsWith(term); i++) {
      for (const id of this.#terms.get(this.#termBucket(sorted[i]!))?.get(sorted[i]!) ?? []) out.add(id)
    }
    return out
  }

  async search(query: string, limit: number): Promise<MessageRecord[]> {
    const terms = queryTerms(query)
    if (terms.length === 0 || limit <= 0) return []
    await this.#lock.run(() => this.#load())
    const sets = terms.map((t) => this.#matching(t)).sort((a, b) => a.size - b.size)
    const [first, ...rest] = sets
    // The newest `limit` of the hits, kept sorted as they come: a common word costs one pass, no sort of every hit.
    const top: MessageRecord[] = []
    const newer = (a: MessageRecord, b: MessageRecord) => b.sentAt - a.sentAt || (a.id < b.id ? -1 : 1)
    for (const id of first!) {
      if (!rest.every((s) => s.has(id))) continue
      const m = this.#docs.get(this.#docBucket(id))?.get(id)
      if (!m) continue
      if (top.length === limit && newer(m, top[limit - 1]!) >= 0) continue
      let i = top.length
      while (i > 0 && newer(m, top[i - 1]!) < 0) i--
      top.splice(i, 0, m)
      if (top.length > limit) top.pop()
    }
    return top
  }
}

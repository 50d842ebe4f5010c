// Scenario "search" (issue 15 "Search"): full-text search on the device, over `messages`
// records (100,000 in a full run) of generated text, through both of the SDK's indexes — SQLite
// FTS5 (the Node device) and StoredSearchIndex (the web client's, here over the in-memory
// store) — and, as the ceiling every index must beat, a linear scan of the same texts in
// memory. The server is not involved (search never reaches it). Figures per index: the
// latency of a query (p50/p99 over `queries` queries of 1 rare word, 1 common word, 2 words,
// and a prefix), the time to index the whole history, and the ratio scan/index at p50.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryLocalStore, StoredSearchIndex, searchWords, type MessageRecord, type SearchIndex } from '@candor/sdk'
import { SqliteSearchIndex } from '@candor/sdk/node'
import type { LoadResult, ScenarioContext } from './common.ts'

export interface SearchParams {
  messages: number
  queries: number
}

/** A deterministic generator, so every run searches the same history. */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0
    return s / 2 ** 32
  }
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'su', 'ta', 'ri', 'po', 've', 'du', 'ga', 'hi', 'jo', 'bu', 'fe', 'xi', 'zo', 'qu', 'wa', 'ye']

function vocabulary(n: number, r: () => number): string[] {
  const words = new Set<string>()
  while (words.size < n) {
    const len = 2 + Math.floor(r() * 3)
    let w = ''
    for (let i = 0; i < len; i++) w += SYLLABLES[Math.floor(r() * SYLLABLES.length)]
    words.add(w)
  }
  return [...words]
}

function history(n: number): { records: MessageRecord[]; vocab: string[] } {
  const r = rng(42)
  const vocab = vocabulary(20_000, r)
  // Zipf-like: word i is picked with weight ~ 1/(i+1).
  const pick = () => vocab[Math.min(vocab.length - 1, Math.floor(Math.exp(r() * Math.log(vocab.length)) - 1))]!
  const records: MessageRecord[] = []
  const t0 = 1_760_000_000_000
  for (let i = 0; i < n; i++) {
    const len = 4 + Math.floor(r() * 16)
    const text = Array.from({ length: len }, pick).join(' ')
    records.push({ id: `m${i.toString(36).padStart(8, '0')}`, conversation: `c${i % 50}`, from: `u${i % 7}`, fromDevice: 'd', text, sentAt: t0 + i * 1000, receivedAt: t0 + i * 1000, direction: 'in' })
  }
  return { records, vocab }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

const round = (x: number) => Math.round(x * 100) / 100

async function timeQueries(run: (q: string) => Promise<unknown>, queries: string[]): Promise<{ p50: number; p99: number }> {
  for (const q of queries.slice(0, 10)) await run(q)
  const ms: number[] = []
  for (const q of queries) {
    const t = performance.now()
    await run(q)
    ms.push(performance.now() - t)
  }
  ms.sort((a, b) => a - b)
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) }
}

export async function searchScenario(ctx: ScenarioContext, p: SearchParams): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'candor-bench-search-'))
  try {
    const { records, vocab } = history(p.messages)
    const r = rng(7)
    const word = (from: number, to: number) => vocab[from + Math.floor(r() * (to - from))]!
    // Rare words, common words, two words together, and a prefix of three letters.
    const queries = Array.from({ length: p.queries }, (_, i) => {
      switch (i % 4) {
        case 0:
          return word(5_000, 20_000)
        case 1:
          return word(0, 20)
        case 2:
          return `${word(0, 200)} ${word(0, 200)}`
        default:
          return word(0, 2_000).slice(0, 3)
      }
    })
    const indexes: Array<[string, SearchIndex]> = [
      ['sqlite', new SqliteSearchIndex(join(dir, 'search.db'))],
      ['stored', new StoredSearchIndex(new MemoryLocalStore())],
    ]
    const extra: Record<string, number> = { messages: p.messages, queries: p.queries }
    await ctx.mark('measure-start')
    const t0 = performance.now()
    // The ceiling: every text read for every query, nothing kept but the texts.
    const texts = records.map((m) => ({ m, words: searchWords(m.text) }))
    const scan = await timeQueries(async (q) => {
      const terms = searchWords(q)
      return texts
        .filter((t) => terms.every((term) => t.words.some((w) => w.startsWith(term))))
        .sort((a, b) => b.m.sentAt - a.m.sentAt)
        .slice(0, 50)
    }, queries)
    extra.scanP50Ms = round(scan.p50)
    extra.scanP99Ms = round(scan.p99)
    for (const [name, index] of indexes) {
      ctx.log(`indexing ${p.messages} messages (${name})`)
      const ti = performance.now()
      // In tens of thousands, as a device building its index from the history it holds does (in one go).
      for (let i = 0; i < records.length; i += 10_000) await index.add(records.slice(i, i + 10_000))
      extra[`${name}IndexSeconds`] = round((performance.now() - ti) / 1000)
      const hits = (await index.search(queries[1]!, 50)).length
      if (hits === 0) throw new Error(`${name}: a common word found nothing`)
      const t = await timeQueries((q) => index.search(q, 50), queries)
      extra[`${name}P50Ms`] = round(t.p50)
      extra[`${name}P99Ms`] = round(t.p99)
      extra[`${name}SpeedupVsScan`] = round(scan.p50 / t.p50)
      if (index instanceof SqliteSearchIndex) index.close()
    }
    await ctx.mark('measure-end')
    const seconds = (performance.now() - t0) / 1000
    return { delivered: p.queries * 3, sent: p.queries * 3, deliveredPerSec: (p.queries * 3) / seconds, extra }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

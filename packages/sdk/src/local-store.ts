// Where a device keeps its keys, group states and history. The SDK speaks only this
// interface; adapters live at the edge (Node files in ./node, IndexedDB in the web app).
export interface LocalStore {
  get(key: string): Promise<string | undefined>
  put(key: string, value: string): Promise<void>
  delete(key: string): Promise<void>
  /** Keys starting with the prefix, sorted. */
  keys(prefix: string): Promise<string[]>
  /** Appends one line to an append-only log (message history). */
  append(log: string, line: string): Promise<void>
  lines(log: string): Promise<string[]>
  /**
   * Replaces a log's lines all at once (deleting expired history); an empty list deletes the
   * log. Readers see the old or the new log, never a mix, and nothing of the dropped lines may
   * stay behind in the store (no backup copy, no leftover temporary file).
   */
  rewrite(log: string, lines: readonly string[]): Promise<void>
}

export class MemoryLocalStore implements LocalStore {
  readonly #kv = new Map<string, string>()
  readonly #logs = new Map<string, string[]>()

  async get(key: string): Promise<string | undefined> {
    return this.#kv.get(key)
  }
  async put(key: string, value: string): Promise<void> {
    this.#kv.set(key, value)
  }
  async delete(key: string): Promise<void> {
    this.#kv.delete(key)
  }
  async keys(prefix: string): Promise<string[]> {
    return [...this.#kv.keys()].filter((k) => k.startsWith(prefix)).sort()
  }
  async append(log: string, line: string): Promise<void> {
    const l = this.#logs.get(log) ?? []
    l.push(line)
    this.#logs.set(log, l)
  }
  async lines(log: string): Promise<string[]> {
    return [...(this.#logs.get(log) ?? [])]
  }
  async rewrite(log: string, lines: readonly string[]): Promise<void> {
    if (lines.length === 0) this.#logs.delete(log)
    else this.#logs.set(log, [...lines])
  }
}

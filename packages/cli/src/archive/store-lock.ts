// One change at a time to the archive's store (records, attachment files, index.jsonl): the
// record writer appends, the deletion sweep rewrites; neither sees the other half done.
export class StoreLock {
  #tail: Promise<unknown> = Promise.resolve()

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(() => fn())
    this.#tail = next.catch(() => undefined)
    return next
  }
}

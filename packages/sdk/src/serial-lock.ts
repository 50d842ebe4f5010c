// Runs async sections one at a time: MLS group state must never be advanced by two
// operations at once, or the device forks its own view of the group.
export class SerialLock {
  #tail: Promise<unknown> = Promise.resolve()

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn)
    this.#tail = result.catch(() => undefined)
    return result
  }
}

// A small typed event emitter (no node:events, so the SDK runs in browsers).
export class Emitter<Events extends Record<string, unknown>> {
  readonly #handlers = new Map<keyof Events, Set<(e: never) => void>>()

  on<K extends keyof Events>(event: K, handler: (e: Events[K]) => void): () => void {
    let set = this.#handlers.get(event)
    if (!set) this.#handlers.set(event, (set = new Set()))
    set.add(handler as (e: never) => void)
    return () => set.delete(handler as (e: never) => void)
  }

  emit<K extends keyof Events>(event: K, e: Events[K]): void {
    for (const h of this.#handlers.get(event) ?? []) {
      try {
        ;(h as (e: Events[K]) => void)(e)
      } catch {
        // A failing listener must not break delivery processing.
      }
    }
  }
}

// The smallest useful observable: models call changed(), views re-render via useObservable.
import { useEffect, useState } from 'preact/hooks'

export class Observable {
  readonly #listeners = new Set<() => void>()
  #version = 0

  get version(): number {
    return this.#version
  }

  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn)
    return () => this.#listeners.delete(fn)
  }

  protected changed(): void {
    this.#version++
    for (const fn of this.#listeners) fn()
  }
}

/** Re-renders the calling component whenever the observable changes. */
export function useObservable(o: Observable): void {
  const [, setVersion] = useState(o.version)
  useEffect(() => o.subscribe(() => setVersion(o.version)), [o])
}

// Small byte helpers shared by the providers. Browser-safe.

/** A copy (or the same view) whose buffer is a plain ArrayBuffer, as WebCrypto's typings require. */
export function toBufferSource(b: Uint8Array): Uint8Array<ArrayBuffer> {
  if (b.buffer instanceof ArrayBuffer) return b as Uint8Array<ArrayBuffer>;
  const copy = new Uint8Array(new ArrayBuffer(b.byteLength));
  copy.set(b);
  return copy;
}

/** Byte-for-byte equality (not constant-time; use only on public data). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Constant-time equality for secrets such as MAC tags. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array || (ArrayBuffer.isView(x) && x.constructor.name === 'Uint8Array');
}

/** Throws a TypeError unless `x` is a Uint8Array (of `length`, when given). */
export function assertBytes(x: unknown, name: string, length?: number): asserts x is Uint8Array {
  if (!isBytes(x)) throw new TypeError(`${name} must be a Uint8Array`);
  if (length !== undefined && x.length !== length) {
    throw new TypeError(`${name} must be ${length} bytes, got ${x.length}`);
  }
}

/** A small insertion-ordered LRU used to cache imported keys. */
export class BoundedCache<K, V> {
  readonly #map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(key: K): V | undefined {
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.max) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
  }
}

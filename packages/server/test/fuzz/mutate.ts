// Inputs for the decoders: random bytes and text, and — what reaches past the first length check —
// valid encodings with a few bytes set, inserted, deleted or cut off, and JSON with its values
// swapped for others of any type.
import fc from 'fast-check'

type Edit = [kind: 'set' | 'insert' | 'delete' | 'cut', at: number, byte: number]

function applyEdits(seed: Uint8Array, edits: readonly Edit[]): Uint8Array {
  let b = Array.from(seed)
  for (const [kind, at, byte] of edits) {
    const i = b.length === 0 ? 0 : at % (b.length + (kind === 'insert' ? 1 : 0))
    if (kind === 'set' && b.length > 0) b[i] = byte
    else if (kind === 'insert') b.splice(i, 0, byte)
    else if (kind === 'delete') b.splice(i, 1)
    else if (kind === 'cut') b = b.slice(0, i)
  }
  return Uint8Array.from(b)
}

const edit: fc.Arbitrary<Edit> = fc.tuple(fc.constantFrom('set', 'insert', 'delete', 'cut'), fc.nat(), fc.oneof(fc.nat(255), fc.constantFrom(0, 0xff, 0x7f, 0x80, 0x3f, 0x40)))

/** A seed with up to `maxEdits` edits (often one: most bugs hide one byte away from valid). */
export function mutatedBytes(seeds: readonly Uint8Array[], maxEdits = 6): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: maxEdits })).map(([s, e]) => applyEdits(s, e))
}

/** Random bytes, or mutated seeds (twice as often). */
export function bytesInput(seeds: readonly Uint8Array[], maxLength = 512): fc.Arbitrary<Uint8Array> {
  return fc.oneof({ arbitrary: fc.uint8Array({ maxLength }), weight: 5 }, { arbitrary: mutatedBytes(seeds), weight: 10 }, { arbitrary: fc.constantFrom(...seeds), weight: 1 })
}

const enc = new TextEncoder()
const dec = new TextDecoder()

/** Text: random strings (any code points), or seeds mutated as UTF-8 bytes and read back. */
export function textInput(seeds: readonly string[], maxLength = 512): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength, unit: 'binary' }),
    fc.string({ maxLength }),
    mutatedBytes(seeds.map((s) => enc.encode(s))).map((b) => dec.decode(b)),
    fc.tuple(fc.constantFrom(...seeds), fc.nat(), fc.string({ maxLength: 8 })).map(([s, at, x]) => s.slice(0, at % (s.length + 1)) + x + s.slice(at % (s.length + 1))),
  )
}

/** A JSON value with one of its leaves (at any depth) replaced by an arbitrary JSON value. */
function replaceLeaf(v: unknown, pick: number, replacement: unknown): unknown {
  const paths: Array<Array<string | number>> = []
  const walk = (x: unknown, path: Array<string | number>) => {
    paths.push(path)
    if (Array.isArray(x)) x.forEach((y, i) => walk(y, [...path, i]))
    else if (x !== null && typeof x === 'object') for (const [k, y] of Object.entries(x)) walk(y, [...path, k])
  }
  walk(v, [])
  const path = paths[pick % paths.length]!
  if (path.length === 0) return replacement
  const copy = structuredClone(v) as Record<string | number, unknown>
  let at = copy
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>
  const last = path[path.length - 1]!
  if (replacement === undefined) delete at[last]
  else at[last] = replacement
  return copy
}

const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(undefined, null, '', 0, -1, 2 ** 53, 1e308, -0, 'A'.repeat(300), [], {}))

/** JSON values near the seeds: a leaf swapped, removed or one field added; or any JSON value. */
export function jsonInput(seeds: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
    { arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.nat(), anyJson).map(([s, at, r]) => replaceLeaf(s, at, r)), weight: 3 },
    { arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.string({ maxLength: 10 }), anyJson).map(([s, k, r]) => (s !== null && typeof s === 'object' && !Array.isArray(s) ? { ...s, [k]: r } : s)), weight: 1 },
  )
}

/** JSON text for byte decoders that parse JSON: near the seeds, or broken text. */
export function jsonBytesInput(seeds: readonly unknown[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    jsonInput(seeds).map((v) => enc.encode(JSON.stringify(v) ?? '')),
    mutatedBytes(seeds.map((s) => enc.encode(JSON.stringify(s)))),
  )
}

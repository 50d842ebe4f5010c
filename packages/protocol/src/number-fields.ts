// Integers on the wire. JSON bodies carry them as numbers; query strings and route parameters
// only have text, for which decimalText() gives the one canonical spelling (no sign, no
// leading zeros, no exponent, no white space).
import { fieldError } from './field-error.ts'

/** Milliseconds since 1970; the largest a JavaScript Date can hold. */
export const TIMESTAMP_MAX = 8_640_000_000_000_000

function integerIn(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw fieldError(field, `must be an integer from ${min} to ${max}`)
  }
  return v
}

/** An MLS epoch. */
export function parseEpoch(v: unknown, field = 'epoch'): number {
  return integerIn(v, field, 0, Number.MAX_SAFE_INTEGER)
}

/** A position in a device's queue (the store hands them out from 1). */
export function parseSeq(v: unknown, field = 'seq'): number {
  return integerIn(v, field, 1, Number.MAX_SAFE_INTEGER)
}

/** A point in time, ms since 1970. */
export function parseTimestamp(v: unknown, field = 'timestamp'): number {
  return integerIn(v, field, 0, TIMESTAMP_MAX)
}

/** The size of an append-only log (key directory, access log) a proof is asked for. */
export function parseLogSize(v: unknown, field = 'size'): number {
  return integerIn(v, field, 1, Number.MAX_SAFE_INTEGER)
}

const DECIMAL = /^(?:0|[1-9][0-9]{0,15})$/

/** Wraps a number parser so it takes the canonical decimal text of the number instead. */
export function decimalText<T>(parse: (v: unknown, field: string) => T): (v: unknown, field: string) => T {
  return (v, field) => {
    if (typeof v !== 'string' || !DECIMAL.test(v)) throw fieldError(field, 'must be a decimal integer without sign, leading zeros or spaces')
    return parse(Number(v), field)
  }
}

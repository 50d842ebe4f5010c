// MLS cipher suites on the wire (docs/protocol.md §5.0): code points, parsed once at the edge.
import { z } from 'zod'

/** RFC 9420 suite 1 (X25519, AES-128-GCM, SHA-256, Ed25519). */
export const CLASSIC_SUITE_ID = 1
/** The hybrid post-quantum suite (X-Wing, AES-256-GCM, SHA-512, Ed25519); provisional code point. */
export const PQ_SUITE_ID = 83
export const MLS_SUITE_IDS = [PQ_SUITE_ID, CLASSIC_SUITE_ID] as const
export type MlsSuiteId = (typeof MLS_SUITE_IDS)[number]

/** A suite code point Candor speaks, as a JSON number. */
export const mlsSuiteSchema = z.union([z.literal(PQ_SUITE_ID), z.literal(CLASSIC_SUITE_ID)])
/** The same, from a query string ("83"). */
export const mlsSuiteQuerySchema = z
  .string()
  .regex(/^[0-9]{1,5}$/)
  .transform(Number)
  .pipe(mlsSuiteSchema)

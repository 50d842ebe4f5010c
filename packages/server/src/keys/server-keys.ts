// The server's own secrets: the session-token keys, the key directory's signing and VRF keys,
// the access log's signing key, the access-pseudonym key and the admin-enrolment secret. They
// live in a key file or the environment, never in the database, so a copy of the database
// alone mints no token and signs no checkpoint. This module only validates and transforms the
// file's JSON (format v1, docs/server-keys.md); reading and writing it is the caller's job
// (`candor serve`), so this package touches neither files nor the environment for it.
import { createECDH, hkdfSync, randomBytes } from 'node:crypto'
import { z } from 'zod'
import { CandorError, fromBase64Url, toBase64Url } from '@candor/protocol'
import type { LegacySecretName, LegacySecrets } from '@candor/ports'

export const SERVER_KEY_FILE_VERSION = 1
const KEY_BYTES = 32
const TOKEN_KEY_ID = /^[A-Za-z0-9_-]{1,32}$/

const keyText = z.string().refine((s) => fromBase64Url(s)?.length === KEY_BYTES, `must be ${KEY_BYTES} bytes as canonical unpadded base64url`)
const millis = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

// Objects are loose: fields added to v1 later (identity-provider client secrets, Web Push
// VAPID keys) are kept verbatim when an older `candor keys` rewrites the file.
const tokenKeyEntry = z.looseObject({
  id: z.string().regex(TOKEN_KEY_ID, 'must be 1-32 characters of A-Z a-z 0-9 _ -'),
  key: keyText,
  createdAt: millis,
  /** When this key starts signing (default createdAt); until then it only verifies. */
  signsFrom: millis.optional(),
})

const keyFileSchema = z.looseObject({
  v: z.literal(SERVER_KEY_FILE_VERSION),
  tokenKeys: z.array(tokenKeyEntry).min(1, 'must list at least one key').max(64),
  directorySigningKey: keyText,
  directoryVrfKey: keyText,
  accessLogSigningKey: keyText,
  accessPseudonymKey: keyText,
  adminEnrolmentSecret: keyText,
})

/** The key file's JSON, as written (base64url strings; unknown fields kept). */
export type ServerKeyFile = z.infer<typeof keyFileSchema>
export type TokenKeyEntry = z.infer<typeof tokenKeyEntry>

export interface TokenKey {
  readonly id: string
  readonly key: Uint8Array
  /** Milliseconds since the epoch from which this key signs new tokens. */
  readonly signsFrom: number
}

/** The decoded secrets a server runs with. Never logged: it prints as `[ServerKeys]`. */
export interface ServerKeys {
  readonly tokenKeys: readonly TokenKey[]
  /** Ed25519 seed of the key directory's checkpoints (clients pin its public half). */
  readonly directorySigningKey: Uint8Array
  /** ECVRF secret that hides the directory's labels (clients pin its public half). */
  readonly directoryVrfKey: Uint8Array
  /** Ed25519 seed of the access log's checkpoints and statements (clients pin its public half). */
  readonly accessLogSigningKey: Uint8Array
  readonly accessPseudonymKey: Uint8Array
  readonly adminEnrolmentSecret: Uint8Array
}

/** Parses and checks a key file's text; `where` names its source in every error. */
export function parseServerKeyFile(text: string, where: string): ServerKeyFile {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new CandorError('bad_request', `${where}: not valid JSON`)
  }
  const v = (json as { v?: unknown } | null)?.v
  if (json !== null && typeof json === 'object' && typeof v === 'number' && v !== SERVER_KEY_FILE_VERSION) {
    throw new CandorError('bad_request', `${where}: key file version ${v} is not supported by this version of Candor (it reads version ${SERVER_KEY_FILE_VERSION})`)
  }
  const r = keyFileSchema.safeParse(json)
  if (!r.success) {
    const issue = r.error.issues[0]
    throw new CandorError('bad_request', `${where}: ${issue?.path.join('.') || 'the file'} ${issue?.message ?? 'is invalid'}`)
  }
  const ids = new Set<string>()
  for (const k of r.data.tokenKeys) {
    if (ids.has(k.id)) throw new CandorError('bad_request', `${where}: token key id ${k.id} is listed twice`)
    ids.add(k.id)
  }
  return r.data
}

function hidden<T extends object>(o: T): T {
  // A careless log call or JSON.stringify of the context prints a name, not the keys.
  Object.defineProperty(o, 'toJSON', { value: () => '[ServerKeys]', enumerable: false })
  Object.defineProperty(o, Symbol.for('nodejs.util.inspect.custom'), { value: () => '[ServerKeys]', enumerable: false })
  return Object.freeze(o)
}

const bytes = (s: string): Uint8Array => fromBase64Url(s)!

/** The decoded keys of a checked file. */
export function serverKeysOf(file: ServerKeyFile): ServerKeys {
  return hidden({
    tokenKeys: file.tokenKeys.map((k) => Object.freeze({ id: k.id, key: bytes(k.key), signsFrom: k.signsFrom ?? k.createdAt })),
    directorySigningKey: bytes(file.directorySigningKey),
    directoryVrfKey: bytes(file.directoryVrfKey),
    accessLogSigningKey: bytes(file.accessLogSigningKey),
    accessPseudonymKey: bytes(file.accessPseudonymKey),
    adminEnrolmentSecret: bytes(file.adminEnrolmentSecret),
  })
}

const newKey = (): string => toBase64Url(randomBytes(KEY_BYTES))

function newTokenKeyId(taken: ReadonlySet<string>): string {
  for (;;) {
    const id = toBase64Url(randomBytes(6))
    if (!taken.has(id)) return id
  }
}

/**
 * The key the per-person receipt salts are derived from (ReceiptCommitments): derived from the
 * pseudonym key under its own label, so every node holds it without a further entry in the file.
 */
export function receiptsSaltKey(keys: ServerKeys): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', keys.accessPseudonymKey, new Uint8Array(0), 'candor/receipts-salt-key/v1', KEY_BYTES))
}

/**
 * The server's Web Push VAPID key pair (RFC 8292, P-256), base64url as the `web-push` library
 * takes it: derived from the pseudonym key under its own label like the receipt-salt key, so
 * every node holds the same pair, nothing is added to the file and the database holds neither
 * half. A candidate that is not a valid P-256 scalar (odds about 2^-32) moves to the next counter.
 */
export function webPushVapidKeys(keys: ServerKeys): { publicKey: string; privateKey: string } {
  for (let i = 0; ; i++) {
    const secret = new Uint8Array(hkdfSync('sha256', keys.accessPseudonymKey, new Uint8Array(0), `candor/web-push-vapid/v1/${i}`, KEY_BYTES))
    try {
      const ecdh = createECDH('prime256v1')
      ecdh.setPrivateKey(secret)
      return { publicKey: toBase64Url(ecdh.getPublicKey()), privateKey: toBase64Url(secret) }
    } catch {
      // Zero or not below the group order: try the next one.
    }
  }
}

/** A fresh key file: every key random. */
export function generateServerKeyFile(now: number): ServerKeyFile {
  return {
    v: SERVER_KEY_FILE_VERSION,
    tokenKeys: [{ id: newTokenKeyId(new Set()), key: newKey(), createdAt: now }],
    directorySigningKey: newKey(),
    directoryVrfKey: newKey(),
    accessLogSigningKey: newKey(),
    accessPseudonymKey: newKey(),
    adminEnrolmentSecret: newKey(),
  }
}

/**
 * Fresh keys held only in memory: for tests and embedded servers whose directory nobody pins
 * beyond the process. `candor serve` never uses this; it always passes keys from a file or
 * the environment.
 */
export function generateServerKeys(now = Date.now()): ServerKeys {
  return serverKeysOf(generateServerKeyFile(now))
}

/** The key id of the token secret moved out of the database. */
export const LEGACY_TOKEN_KEY_ID = 'legacy'

const LEGACY_FIELD = {
  'directory-signing-key': 'directorySigningKey',
  'directory-vrf-key': 'directoryVrfKey',
  'access-log-signing-key': 'accessLogSigningKey',
  'access-pseudonym-key': 'accessPseudonymKey',
  'admin-enrolment-secret': 'adminEnrolmentSecret',
} as const satisfies Record<Exclude<LegacySecretName, 'token-secret'>, keyof ServerKeyFile>

/**
 * A key file holding the secrets an older version kept in the database, unchanged: clients pin
 * the directory's and the access log's public keys, receipts name accessors by pseudonym, and
 * every node migrating the same database writes the same keys. A secret that was never
 * created is generated; a malformed one is refused rather than replaced.
 */
export function serverKeyFileFromLegacy(legacy: LegacySecrets, now: number, where: string): ServerKeyFile {
  const take = (name: LegacySecretName): string => {
    const v = legacy[name]
    if (v === undefined) return newKey()
    if (fromBase64Url(v)?.length !== KEY_BYTES) throw new CandorError('bad_request', `${where}: the stored ${name} is not ${KEY_BYTES} bytes of base64url`)
    return v
  }
  const file: ServerKeyFile = {
    v: SERVER_KEY_FILE_VERSION,
    tokenKeys: [{ id: LEGACY_TOKEN_KEY_ID, key: take('token-secret'), createdAt: now }],
    directorySigningKey: take('directory-signing-key'),
    directoryVrfKey: take('directory-vrf-key'),
    accessLogSigningKey: take('access-log-signing-key'),
    accessPseudonymKey: take('access-pseudonym-key'),
    adminEnrolmentSecret: take('admin-enrolment-secret'),
  }
  return file
}

/**
 * The legacy secrets that differ from the given keys among those something outside the server
 * depends on (pinned public keys, pseudonyms already in receipts). Serving with other keys
 * than these would break every client's pins, so the caller refuses to start.
 */
export function legacyConflicts(file: ServerKeyFile, legacy: LegacySecrets): LegacySecretName[] {
  const pinned = ['directory-signing-key', 'directory-vrf-key', 'access-log-signing-key', 'access-pseudonym-key'] as const
  return pinned.filter((name) => legacy[name] !== undefined && legacy[name] !== file[LEGACY_FIELD[name]])
}

/** The key that signs new tokens at `now`: the one that started signing last. */
export function signingTokenKey<K extends { readonly signsFrom: number }>(keys: readonly K[], now: number): K {
  let best: K | undefined
  let earliest: K | undefined
  for (const k of keys) {
    if (k.signsFrom <= now && (!best || k.signsFrom >= best.signsFrom)) best = k
    if (!earliest || k.signsFrom < earliest.signsFrom) earliest = k
  }
  // Every key starts later (a clock set back): the earliest one signs rather than none.
  const k = best ?? earliest
  if (!k) throw new CandorError('internal', 'no token key')
  return k
}

const signsFromOf = (k: TokenKeyEntry): number => k.signsFrom ?? k.createdAt

/** Adds a new token key that signs from `signsFrom` (default now); every listed key keeps verifying. */
export function addTokenKey(file: ServerKeyFile, now: number, signsFrom = now): { file: ServerKeyFile; added: TokenKeyEntry } {
  const added: TokenKeyEntry = {
    id: newTokenKeyId(new Set(file.tokenKeys.map((k) => k.id))),
    key: newKey(),
    createdAt: now,
    ...(signsFrom !== now ? { signsFrom } : {}),
  }
  return { file: { ...file, tokenKeys: [...file.tokenKeys, added] }, added }
}

/**
 * Removes the token keys older than the one signing now, once every token they signed has
 * expired (`lifetimeMs` after the signing key took over). Keys due to sign later stay.
 */
export function dropOldTokenKeys(file: ServerKeyFile, now: number, lifetimeMs: number): { file: ServerKeyFile; dropped: string[] } {
  const current = signingTokenKey(
    file.tokenKeys.map((k) => ({ entry: k, signsFrom: signsFromOf(k) })),
    now,
  )
  const older = file.tokenKeys.filter((k) => k !== current.entry && signsFromOf(k) <= current.signsFrom)
  if (older.length === 0) return { file, dropped: [] }
  const safeFrom = current.signsFrom + lifetimeMs
  if (now < safeFrom) {
    throw new CandorError(
      'conflict',
      `token key ${current.entry.id} has signed only since ${new Date(current.signsFrom).toISOString()}; tokens signed by older keys stay valid until ${new Date(safeFrom).toISOString()}: drop them after that`,
    )
  }
  const gone = new Set(older)
  return { file: { ...file, tokenKeys: file.tokenKeys.filter((k) => !gone.has(k)) }, dropped: older.map((k) => k.id) }
}

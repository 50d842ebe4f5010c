// The person's consent ledger: records signed by one of their devices, kept by the server for
// all of their devices. Reading it back, every signature is checked against the key named in
// the record, and that key must be one of this person's devices (active or since revoked).
import { signDetached, verifyDetached } from '@candor/crypto'
import {
  CandorError,
  consentRecordSchema,
  consentsResponseSchema,
  fromBase64Url,
  randomBytes,
  toBase64Url,
  utf8,
  type ConsentPurpose,
  type ConsentRecord,
} from '@candor/protocol'
import type { DataApi } from './data-api.ts'

export interface ConsentSigner {
  userId: string
  deviceId: string
  publicKey: Uint8Array
  secretKey: Uint8Array
}

export interface LedgerEntry {
  seq: number
  record: ConsentRecord
  /** The exact signed text and its signature, for the export. */
  text: string
  signature: string
}

const okSchema = { safeParse: (v: unknown) => ({ success: true as const, data: v }) }

export async function recordConsent(api: DataApi, me: ConsentSigner, purpose: ConsentPurpose, scope: string, state: 'given' | 'withdrawn', now = Date.now()): Promise<ConsentRecord> {
  const record: ConsentRecord = {
    v: 1,
    id: toBase64Url(randomBytes(16)),
    userId: me.userId,
    deviceId: me.deviceId,
    deviceKey: toBase64Url(me.publicKey),
    purpose,
    scope,
    state,
    controller: api.baseUrl,
    at: now,
  }
  const checked = consentRecordSchema.safeParse(record)
  if (!checked.success) throw new CandorError('bad_request', `consent: ${checked.error.issues[0]?.path.join('.')} ${checked.error.issues[0]?.message}`)
  const text = JSON.stringify(record)
  await api.call(okSchema, 'POST', '/v1/consents', { body: { record: text, signature: toBase64Url(signDetached(me.secretKey, utf8(text))) } })
  return record
}

export async function readLedger(api: DataApi, me: { userId: string }, myDeviceKeys: ReadonlySet<string>): Promise<LedgerEntry[]> {
  const { consents } = await api.call(consentsResponseSchema, 'GET', '/v1/consents')
  return consents.map((c) => {
    const fail = (why: string) => new CandorError('receipt_invalid', `consent record #${c.seq}: ${why}`)
    let parsed
    try {
      parsed = consentRecordSchema.safeParse(JSON.parse(c.record))
    } catch {
      throw fail('not JSON')
    }
    if (!parsed.success) throw fail('malformed')
    const r = parsed.data
    if (r.userId !== me.userId) throw fail(`about ${r.userId}, not this person`)
    if (!myDeviceKeys.has(r.deviceKey)) throw fail('signed by a key that is not one of this person’s devices')
    if (!verifyDetached(fromBase64Url(r.deviceKey) ?? new Uint8Array(), utf8(c.record), fromBase64Url(c.signature) ?? new Uint8Array())) throw fail('bad signature')
    return { seq: c.seq, record: r, text: c.record, signature: c.signature }
  })
}

/** The latest state per (purpose, scope). */
export function currentConsents(ledger: readonly LedgerEntry[]): ConsentRecord[] {
  const latest = new Map<string, ConsentRecord>()
  for (const e of ledger) latest.set(`${e.record.purpose}\n${e.record.scope}`, e.record)
  return [...latest.values()]
}

// Which Ed25519 key each device of a user has, as the key directory proves it. Every answer
// comes with a lookup proof against a signed checkpoint consistent with all this device has
// seen before; the MLS authentication service accepts a credential only if its key is here.
import {
  CandorError,
  RECOVERY_APPROVER,
  approvalStatement,
  recoveryKeyStatement,
  compactDirectoryValueCodec,
  decodeDirectoryValue,
  deviceIdFromKey,
  directoryEntry,
  fromBase64Url,
  registrationStatement,
  type CheckpointRef,
  type DirectoryDevice,
  type DirectoryRecovery,
  type DirectoryValue,
} from '@candor/protocol'
import { verifyDetached } from '@candor/crypto'
import { decodeCompactLookup, decodeHistoryProof, decodeLookupProof, verifyHistory, verifyLookup, type LookupProof } from '@candor/transparency'
import type { ApiClient } from './api-client.ts'
import type { CheckpointTracker } from './checkpoint-tracker.ts'
import type { CommittedVersion } from './data/withheld-receipts.ts'

const TTL_MS = 10_000

export interface VerifiedDevice {
  deviceId: string
  publicKey: Uint8Array
}

/** What the directory proves about a user: their organisation (null for a guest or none) and devices. */
export interface ProvenEntry {
  /** What the directory says the account is (§3 `kind`); `person` for a v1 entry or none. */
  kind: 'person' | 'bot' | 'archive'
  org: string | null
  /** The identity provider's issuer, subject and verified email bound to the user, where single sign-on is used. */
  idp: { issuer: string; subject: string; email: string } | null
  /** The person's recovery key (its public half), where the statement that set it checks out. */
  recovery: Uint8Array | null
  devices: VerifiedDevice[]
}

/** A device in a user's own directory history that no device of theirs enrolled. */
export interface UnknownDevice {
  deviceId: string
  publicKey: string
  version: number
}

function fail(message: string): CandorError {
  return new CandorError('directory_proof_invalid', `key directory check failed: ${message}`)
}

/**
 * Enrolments whose signature checked out, by every field the check reads (user, device id, key,
 * approver, approver's key, signature). An entry proven again — after the lookup cache expired,
 * as of another checkpoint, by another device of the process — carries the same enrolments; each
 * is checked once. Any other byte is another entry, checked in full. Successes only; bounded.
 */
const attested = new Set<string>()
const ATTESTED_MAX = 8192

/** The enrolment signature checks out: self-registration, or approval by the named device's key. */
export function attestationValid(userId: string, d: DirectoryDevice): boolean {
  const memo = JSON.stringify([userId, d.id, d.key, d.by, d.byKey, d.sig])
  if (attested.has(memo)) return true
  const valid = checkAttestation(userId, d)
  if (valid) {
    if (attested.size >= ATTESTED_MAX) attested.delete(attested.values().next().value!)
    attested.add(memo)
  }
  return valid
}

function checkAttestation(userId: string, d: DirectoryDevice): boolean {
  const key = fromBase64Url(d.key)
  const byKey = fromBase64Url(d.byKey)
  const sig = fromBase64Url(d.sig)
  if (!key || !byKey || !sig) return false
  if (deviceIdFromKey(key) !== d.id) return false
  // Approved with the person's recovery key (§4.2): whether that key was theirs is the owner's history check.
  if (d.by === RECOVERY_APPROVER) return verifyDetached(byKey, approvalStatement(RECOVERY_APPROVER, userId, d.key), sig)
  if (deviceIdFromKey(byKey) !== d.by) return false
  if (d.by === d.id) return d.byKey === d.key && verifyDetached(key, registrationStatement(userId, d.key), sig)
  return verifyDetached(byKey, approvalStatement(d.by, userId, d.key), sig)
}

/** The recovery key's statement checks out: signed by the named device's key, over this key and the one it replaced. */
export function recoveryValid(userId: string, r: DirectoryRecovery): boolean {
  const byKey = fromBase64Url(r.byKey)
  const sig = fromBase64Url(r.sig)
  if (!byKey || !sig || deviceIdFromKey(byKey) !== r.by) return false
  return verifyDetached(byKey, recoveryKeyStatement(userId, r.by, r.key, r.prev ?? null), sig)
}

/** The devices of a proven directory value whose enrolment signature checks out. */
export function attestedDevices(userId: string, proven: Uint8Array | null): VerifiedDevice[] {
  return provenEntry(userId, proven).devices
}

/** A proven directory value as a reader sees it: the organisation, and the devices whose enrolment signature checks out. */
export function provenEntry(userId: string, proven: Uint8Array | null): ProvenEntry {
  if (!proven) return { kind: 'person', org: null, idp: null, recovery: null, devices: [] }
  const value = decodeDirectoryValue(proven)
  if (!value) throw fail(`the directory value for ${userId} is malformed`)
  const devices = value.devices.filter((d) => attestationValid(userId, d)).map((d) => ({ deviceId: d.id, publicKey: fromBase64Url(d.key)! }))
  const entry = directoryEntry(value)
  const recovery = entry.recovery && recoveryValid(userId, entry.recovery) ? fromBase64Url(entry.recovery.key) : null
  return { kind: entry.kind, org: entry.org, idp: entry.idp, recovery, devices }
}

export class DeviceDirectory {
  readonly #api: ApiClient
  readonly #tracker: CheckpointTracker
  readonly #cache = new Map<string, { at: number; entry: Promise<ProvenEntry> }>()

  constructor(api: ApiClient, tracker: CheckpointTracker) {
    this.#api = api
    this.#tracker = tracker
  }

  /** The user's devices, proven by the directory; devices with a bad enrolment signature are left out. */
  async devices(userId: string, fresh = false): Promise<VerifiedDevice[]> {
    return (await this.entry(userId, fresh)).devices
  }

  /** The user's organisation and devices, from one lookup proof. */
  entry(userId: string, fresh = false): Promise<ProvenEntry> {
    const hit = this.#cache.get(userId)
    if (hit && !fresh && Date.now() - hit.at < TTL_MS) return hit.entry
    const entry = this.#lookup(userId)
    this.#cache.set(userId, { at: Date.now(), entry })
    entry.catch(() => this.#cache.delete(userId))
    return entry
  }

  async #lookup(userId: string): Promise<ProvenEntry> {
    // The compact form (§3 "Compact lookups"); a server that does not offer it answers JSON.
    const r = await this.#api.directoryLookupCompact(userId)
    let note: string
    let proof: LookupProof | null
    if (r instanceof Uint8Array) {
      const compact = decodeCompactLookup(userId, r, await this.#tracker.origin(), compactDirectoryValueCodec)
      if (!compact) throw fail(`the lookup for ${userId} is malformed`)
      ;({ checkpoint: note, proof } = compact)
    } else {
      note = r.checkpoint
      proof = decodeLookupProof(fromBase64Url(r.proof))
    }
    const checkpoint = await this.#tracker.accept(note)
    const verified = proof && verifyLookup(userId, proof, checkpoint, await this.#tracker.vrfPublicKey())
    if (!verified) throw fail(`the lookup proof for ${userId} does not verify`)
    return provenEntry(userId, verified.value)
  }

  /** The proven key of a device, refreshing once on a miss (it may be new); null if it has none. */
  async keyOf(userId: string, deviceId: string): Promise<Uint8Array | null> {
    for (const fresh of [false, true]) {
      const d = (await this.devices(userId, fresh)).find((x) => x.deviceId === deviceId)
      if (d) return d.publicKey
    }
    return null
  }

  forget(userId: string): void {
    this.#cache.delete(userId)
  }

  /**
   * The checkpoint a commit names (§5.1): the latest this device verified, which is at least as
   * new as every lookup that proved the devices the commit adds (the server's, if none yet).
   */
  async checkpoint(): Promise<CheckpointRef> {
    return (await this.#tracker.latest()) ?? (await this.#tracker.refresh())
  }

  /**
   * Monitors the user's own entry: walks its full proven history and returns every device
   * key that was not enrolled by one of the user's earlier devices.
   */
  async unknownOwnDevices(userId: string): Promise<UnknownDevice[]> {
    return (await this.#ownHistory(userId)).unknown
  }

  /**
   * Every device key of the user's own entry, over its whole proven history, that was enrolled
   * properly (first registration, or approved by a key already known); revoked ones included.
   */
  async enrolledOwnKeys(userId: string): Promise<Set<string>> {
    return (await this.#ownHistory(userId)).known
  }

  /**
   * The receipts commitment (§3 `receipts`) of every version of the user's own entry, oldest
   * first, from its full proven history; erased versions are left out.
   */
  async ownReceiptCommitments(userId: string): Promise<CommittedVersion[]> {
    return (await this.#ownVersions(userId)).map(({ version, value }) => ({ version, receipts: directoryEntry(value).receipts }))
  }

  /** Every version of the user's own entry that still has a value, decoded, from a verified history proof. */
  async #ownVersions(userId: string): Promise<Array<{ version: number; value: DirectoryValue }>> {
    const r = await this.#api.directoryHistory()
    const checkpoint = await this.#tracker.accept(r.checkpoint)
    const proof = decodeHistoryProof(fromBase64Url(r.proof))
    const history = proof && verifyHistory(userId, proof, checkpoint, await this.#tracker.vrfPublicKey())
    if (!history) throw fail('the history proof of your own entry does not verify')
    const out: Array<{ version: number; value: DirectoryValue }> = []
    for (const v of history.versions) {
      if (!v.value) continue
      const value = decodeDirectoryValue(v.value)
      if (!value) throw fail(`version ${v.version} of your entry is malformed`)
      out.push({ version: v.version, value })
    }
    return out
  }

  /**
   * Walks the entry's versions: a device is known if it is the first registration or was approved
   * by a key known before it — a device's, or a recovery key that a known device set over the one
   * before it (§4.2). A recovery key that appears any other way is reported as unknown (with id
   * `recovery`): the operator swapping in a key of its own, or replaying an old statement.
   */
  async #ownHistory(userId: string): Promise<{ known: Set<string>; unknown: UnknownDevice[] }> {
    const known = new Set<string>()
    const knownRecovery = new Set<string>()
    const unknown: UnknownDevice[] = []
    const flag = (deviceId: string, publicKey: string, version: number): void => {
      if (!unknown.some((u) => u.publicKey === publicKey)) unknown.push({ deviceId, publicKey, version })
    }
    let lastRecovery: string | null = null
    for (const { version, value } of await this.#ownVersions(userId)) {
      const before = new Set(known)
      const recovery = directoryEntry(value).recovery
      if (recovery && recovery.key !== lastRecovery) {
        const setProperly = before.has(recovery.byKey) || value.devices.some((d) => d.key === recovery.byKey && d.by !== RECOVERY_APPROVER && before.has(d.byKey))
        if (setProperly && (recovery.prev ?? null) === lastRecovery && recoveryValid(userId, recovery)) knownRecovery.add(recovery.key)
        else flag(RECOVERY_APPROVER, recovery.key, version)
      }
      lastRecovery = recovery?.key ?? lastRecovery
      for (const d of value.devices) {
        if (before.has(d.key)) continue
        const firstRegistration = version === 1 && d.by === d.id
        const approvedByKnown = d.by !== d.id && (d.by === RECOVERY_APPROVER ? knownRecovery.has(d.byKey) : before.has(d.byKey))
        if ((firstRegistration || approvedByKnown) && attestationValid(userId, d)) known.add(d.key)
        else flag(d.id, d.key, version)
      }
    }
    return { known, unknown }
  }
}

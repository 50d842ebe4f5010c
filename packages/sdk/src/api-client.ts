// The HTTP side of the protocol: typed calls, device sign-in (challenge → token, renewed
// before expiry) and server errors turned back into CandorError with their codes.
import {
  CandorError,
  groupDirectoryLinkResponseSchema,
  type GroupDirectoryLink,
  authStatement,
  isErrorCode,
  toBase64Url,
  type AcceptedCommitResponse,
  type ChallengeResponse,
  type ClaimResponse,
  type CommitRequest,
  type ExternalCommitRequest,
  type GroupInfoBytesResponse,
  type CommitResponse,
  type DeviceId,
  type DeviceInfo,
  type DirectoryInfo,
  type DirectoryPastProofResponse,
  type DirectoryProofResponse,
  type EnrolmentInfo,
  type EnrolmentResponse,
  type GroupInfoResponse,
  type GroupResetsResponse,
  type ReportRequest,
  type ReportResponse,
  type ResetRequest,
  type ResetResponse,
  type KeyPackageCount,
  type RegisterResponse,
  type SessionResponse,
  type SsoDevicePollResponse,
  type SsoDeviceStartResponse,
  type PutPushSubscriptionRequest,
  type VapidKeyResponse,
} from '@candor/protocol'
import { signDetached } from '@candor/crypto'
import { DEFAULT_HTTP_TIMEOUT_MS, httpCall } from './http-call.ts'
import { retryRateLimited, retrySignIn } from './rate-limit-retry.ts'
import { COMPACT_LOOKUP_MEDIA_TYPE } from '@candor/transparency'

export interface DeviceCredentials {
  deviceId: DeviceId
  secretKey: Uint8Array
}

const RENEW_MARGIN_MS = 60_000
/** A request with no complete answer by then failed like one that could not be sent: the caller may retry it. */
const REQUEST_TIMEOUT_MS = 30_000

/** A session token and when it expires (ms since the epoch, the server's clock). */
export interface SessionToken {
  token: string
  expiresAt: number
}


/** Errors made from an answer of the server (or a proxy before it), not from a failure to reach it. */
const answeredErrors = new WeakSet<CandorError>()

export class ApiClient {
  readonly baseUrl: string
  /** How long each HTTP call may take, answer included, before it fails with `unavailable`. */
  readonly timeoutMs: number
  #device: DeviceCredentials | undefined
  #session: SessionToken | undefined
  #signingIn: Promise<SessionToken> | undefined

  constructor(baseUrl: string, device?: DeviceCredentials, opts: { timeoutMs?: number } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '')
    this.#device = device
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS
  }

  setDevice(device: DeviceCredentials): void {
    this.#device = device
    this.#session = undefined
  }

  async #call<T>(method: string, path: string, body?: unknown, token?: string, binaryType?: string): Promise<T> {
    const headers: Record<string, string> = {}
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (token) headers.authorization = `Bearer ${token}`
    if (binaryType !== undefined) headers.accept = `${binaryType}, application/json;q=0.5`
    const res = await httpCall(this.baseUrl + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, this.timeoutMs, binaryType)
    if (res.bytes !== undefined) return res.bytes as T
    const text = res.text
    let json: unknown
    try {
      json = text ? JSON.parse(text) : {}
    } catch (e) {
      throw new CandorError('internal', `server answered ${res.status} with a body that is not JSON`, { cause: e })
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: unknown; message?: unknown; details?: Record<string, unknown> } }).error
      // An answer without the server's error body is not the server's verdict: a bare 408 (its
      // request timeout) or 502–504 (a proxy before it) says it could not answer now — transient.
      // A bare 429 (a proxy's limit) is a rate limit all the same; its Retry-After says how long.
      const code = isErrorCode(err?.code) ? err.code : res.status === 429 ? 'rate_limited' : res.status === 408 || (res.status >= 502 && res.status <= 504) ? 'unavailable' : 'internal'
      const details = code === 'rate_limited' && res.retryAfterMs !== undefined && typeof err?.details?.retryAfterMs !== 'number' ? { ...err?.details, retryAfterMs: res.retryAfterMs } : err?.details
      const error = new CandorError(code, typeof err?.message === 'string' ? err.message : `HTTP ${res.status}`, {
        ...(details ? { details } : {}),
      })
      answeredErrors.add(error)
      throw error
    }
    return json as T
  }

  /** A valid session token, signing in with the device key when needed. */
  async token(): Promise<string> {
    return (await this.session()).token
  }

  /**
   * A session token valid for at least another minute, and its expiry; signs in when needed.
   * `outlives`: the token must also expire after this time (a socket renewing its session).
   */
  async session(outlives?: number): Promise<SessionToken> {
    const s = this.#session
    if (s && s.expiresAt - RENEW_MARGIN_MS > Date.now() && (outlives === undefined || s.expiresAt > outlives)) return s
    this.#signingIn ??= this.#signIn().finally(() => (this.#signingIn = undefined))
    return this.#signingIn
  }

  /** Forgets the session, so the next call signs in again (the server said it ended or expired). */
  forgetSession(): void {
    this.#session = undefined
  }

  async #signIn(): Promise<SessionToken> {
    const d = this.#device
    if (!d) throw new CandorError('unauthenticated', 'no device key: register or enrol first')
    // A loaded server's bare 408 (or a proxy's 502–504, or a rate limit) is tried again with a
    // fresh challenge, within a bound (rate-limit-retry.ts); an unreachable server fails at once.
    const s = await retrySignIn(async () => {
      const { challenge } = await this.#call<ChallengeResponse>('POST', '/v1/auth/challenge', { deviceId: d.deviceId })
      const signature = toBase64Url(signDetached(d.secretKey, authStatement(d.deviceId, challenge)))
      return this.#call<SessionResponse>('POST', '/v1/auth/session', { deviceId: d.deviceId, challenge, signature })
    }, (e) => answeredErrors.has(e))
    this.#session = { token: s.token, expiresAt: s.expiresAt }
    return this.#session
  }

  async #authed<T>(method: string, path: string, body?: unknown, binaryType?: string): Promise<T> {
    try {
      return await this.#call<T>(method, path, body, await this.token(), binaryType)
    } catch (e) {
      if (e instanceof CandorError && e.code === 'unauthenticated' && this.#session) {
        this.#session = undefined
        return this.#call<T>(method, path, body, await this.token(), binaryType)
      }
      throw e
    }
  }

  /** A JSON call with this device's session (for modules with routes of their own: blob-transfer.ts). */
  /** A JSON call without a session (the few routes a device that is not one yet may call). */
  publicJson<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.#call<T>(method, path, body)
  }

  authedJson<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.#authed(method, path, body)
  }

  register(body: { userId: string; publicKey: string; deviceName: string; signature: string; org?: string; ssoTicket?: string }): Promise<RegisterResponse> {
    return this.#call('POST', '/v1/register', body)
  }
  /** Starts a sign-in at the organisation's identity provider by the device flow (RFC 8628). */
  ssoDeviceStart(org: string): Promise<SsoDeviceStartResponse> {
    return this.#call('POST', `/v1/orgs/${encodeURIComponent(org)}/sso/device`, {})
  }
  ssoDevicePoll(handle: string): Promise<SsoDevicePollResponse> {
    return this.#call('POST', '/v1/sso/device/poll', { handle })
  }
  /** Signs the device in with a fresh sign-in ticket (the organisation requires SSO and the last sign-in ended or is too old). */
  async signInWithTicket(ssoTicket: string): Promise<void> {
    const d = this.#device
    if (!d) throw new CandorError('unauthenticated', 'no device key: register or enrol first')
    const { challenge } = await this.#call<ChallengeResponse>('POST', '/v1/auth/challenge', { deviceId: d.deviceId })
    const signature = toBase64Url(signDetached(d.secretKey, authStatement(d.deviceId, challenge)))
    const s = await this.#call<SessionResponse>('POST', '/v1/auth/session', { deviceId: d.deviceId, challenge, signature, ssoTicket })
    this.#session = { token: s.token, expiresAt: s.expiresAt }
  }
  requestEnrolment(body: { userId: string; publicKey: string; deviceName: string; signature: string; ssoTicket?: string }): Promise<EnrolmentResponse> {
    return this.#call('POST', '/v1/enrolments', body)
  }
  pendingEnrolments(): Promise<{ requests: EnrolmentInfo[] }> {
    return this.#authed('GET', '/v1/enrolments')
  }
  approveEnrolment(deviceId: string, signature: string): Promise<DeviceInfo> {
    return this.#authed('POST', `/v1/enrolments/${deviceId}/approve`, { signature })
  }
  denyEnrolment(deviceId: string, signature: string): Promise<{ deviceId: string; denied: true }> {
    return this.#authed('POST', `/v1/enrolments/${deviceId}/deny`, { signature })
  }
  myDevices(): Promise<{ devices: DeviceInfo[] }> {
    return this.#authed('GET', '/v1/devices')
  }
  revokeDevice(deviceId: string): Promise<DeviceInfo> {
    return this.#authed('DELETE', `/v1/devices/${deviceId}`)
  }
  vapidKey(): Promise<VapidKeyResponse> {
    return this.#authed('GET', '/v1/push/vapid-key')
  }
  putPushSubscription(deviceId: string, subscription: PutPushSubscriptionRequest): Promise<{ registered: true }> {
    return this.#authed('PUT', `/v1/devices/${deviceId}/push-subscription`, subscription)
  }
  deletePushSubscription(deviceId: string): Promise<{ deleted: boolean }> {
    return this.#authed('DELETE', `/v1/devices/${deviceId}/push-subscription`)
  }
  /** `suite`: the code point every package is in (docs/protocol.md §4.5); suite 1 if not given. */
  uploadKeyPackages(oneTime: string[], lastResort?: string, suite?: number): Promise<KeyPackageCount> {
    return this.#authed('POST', '/v1/key-packages', { oneTime, ...(lastResort === undefined ? {} : { lastResort }), ...(suite === undefined || suite === 1 ? {} : { suite }) })
  }
  keyPackageCount(suite?: number): Promise<KeyPackageCount> {
    return this.#authed('GET', suite === undefined || suite === 1 ? '/v1/key-packages/count' : `/v1/key-packages/count?suite=${suite}`)
  }
  claimKeyPackages(userId: string, deviceIds?: string[], suite?: number): Promise<ClaimResponse> {
    return this.#authed('POST', `/v1/users/${encodeURIComponent(userId)}/key-packages/claim`, {
      ...(deviceIds ? { deviceIds } : {}),
      ...(suite === undefined || suite === 1 ? {} : { suite }),
    })
  }
  /** Creates a group on the server from its creator's GroupInfo at epoch 0 (docs/protocol.md §5.1). */
  createGroup(groupId: string, groupInfo: string): Promise<GroupInfoResponse> {
    return this.#authed('POST', '/v1/groups', { groupId, groupInfo })
  }
  /** The group's latest GroupInfo the server keeps (members only). */
  groupInfo(groupId: string): Promise<GroupInfoBytesResponse> {
    return this.#authed('GET', `/v1/groups/${groupId}/group-info`)
  }
  /** Posts an external commit (a resync, docs/protocol.md §5.2). */
  externalCommit(groupId: string, body: ExternalCommitRequest): Promise<CommitResponse> {
    return this.#authed('POST', `/v1/groups/${groupId}/external-commits`, body)
  }
  groups(): Promise<{ groups: GroupInfoResponse[] }> {
    return this.#authed('GET', '/v1/groups')
  }
  group(groupId: string): Promise<GroupInfoResponse> {
    return this.#authed('GET', `/v1/groups/${groupId}`)
  }
  commit(groupId: string, body: CommitRequest): Promise<CommitResponse> {
    return this.#authed('POST', `/v1/groups/${groupId}/commits`, body)
  }
  /** The message id of the commit accepted at `epoch`; null when none is recorded. */
  async acceptedCommit(groupId: string, epoch: number): Promise<string | null> {
    try {
      return (await this.#authed<AcceptedCommitResponse>('GET', `/v1/groups/${groupId}/commits/${epoch}`)).messageId
    } catch (e) {
      if (e instanceof CandorError && e.code === 'not_found') return null
      throw e
    }
  }
  /** The SCIM group the conversation's membership follows (docs/protocol.md §5.9); null when none. */
  async directoryLinkOf(groupId: string): Promise<GroupDirectoryLink | null> {
    return groupDirectoryLinkResponseSchema.parse(await this.#authed('GET', `/v1/groups/${groupId}/directory-link`)).link
  }
  directoryInfo(): Promise<DirectoryInfo> {
    return this.#call('GET', '/v1/directory')
  }
  /** A lookup the server rate-limits is tried again, within a bound (rate-limit-retry.ts), then fails `rate_limited`. */
  directoryLookup(userId: string): Promise<DirectoryProofResponse> {
    return retryRateLimited(() => this.#authed('GET', `/v1/directory/lookup/${encodeURIComponent(userId)}`))
  }
  /**
   * The compact lookup (docs/protocol.md §3 "Compact lookups"): its bytes, or the JSON form from
   * a server that does not offer it (retried as directoryLookup).
   */
  directoryLookupCompact(userId: string): Promise<Uint8Array | DirectoryProofResponse> {
    return retryRateLimited(() => this.#authed('GET', `/v1/directory/lookup/${encodeURIComponent(userId)}`, undefined, COMPACT_LOOKUP_MEDIA_TYPE))
  }
  /** The user's entry as of the directory's tree size `size`, proven in its latest checkpoint (retried as directoryLookup). */
  directoryLookupAt(userId: string, size: number): Promise<DirectoryPastProofResponse> {
    return retryRateLimited(() => this.#authed('GET', `/v1/directory/lookup/${encodeURIComponent(userId)}?at=${size}`))
  }
  directoryHistory(): Promise<DirectoryProofResponse> {
    return this.#authed('GET', '/v1/directory/history')
  }
  directoryConsistency(from: number, to: number): Promise<{ proof: string[] }> {
    return this.#call('GET', `/v1/directory/consistency?from=${from}&to=${to}`)
  }
  directoryCheckpoint(size: number): Promise<{ checkpoint: string }> {
    return this.#call('GET', `/v1/directory/checkpoints/${size}`)
  }
  postCosignature(note: string): Promise<{ accepted: boolean; witness: string; size: number }> {
    return this.#call('POST', '/v1/directory/cosignatures', { note })
  }
  /** Reports a commit this device cannot process (docs/protocol.md §5.3). */
  report(groupId: string, body: ReportRequest): Promise<ReportResponse> {
    return this.#authed('POST', `/v1/groups/${groupId}/reports`, body)
  }
  /** Moves a conversation onto a new, empty group (docs/protocol.md §5.4). */
  resetConversation(conversationId: string, body: ResetRequest): Promise<ResetResponse> {
    return this.#authed('POST', `/v1/conversations/${conversationId}/reset`, body)
  }
  groupResets(groupId: string): Promise<GroupResetsResponse> {
    return this.#authed('GET', `/v1/groups/${groupId}/resets`)
  }
  leave(groupId: string): Promise<{ left: boolean }> {
    return this.#authed('POST', `/v1/groups/${groupId}/leave`, {})
  }
}

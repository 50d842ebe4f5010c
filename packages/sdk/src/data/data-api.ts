// HTTP calls of the data-ownership features (access log, receipts, admin, export, erasure),
// signed in with the device's session from ApiClient; server errors come back as CandorError
// with their codes, and every response is checked against its schema before use.
import { CandorError, isErrorCode } from '@candor/protocol'
import type { ApiClient } from '../api-client.ts'
import { httpCall } from '../http-call.ts'

/** What the SDK needs of a (zod) schema from @candor/protocol. */
export interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } }
}

export class DataApi {
  readonly #api: ApiClient

  constructor(api: ApiClient) {
    this.#api = api
  }

  get baseUrl(): string {
    return this.#api.baseUrl
  }

  async call<T>(schema: Schema<T>, method: string, path: string, opts: { body?: unknown; signedIn?: boolean } = {}): Promise<T> {
    const headers: Record<string, string> = {}
    if (opts.body !== undefined) headers['content-type'] = 'application/json'
    if (opts.signedIn !== false) headers.authorization = `Bearer ${await this.#api.token()}`
    const res = await httpCall(this.#api.baseUrl + path, { method, headers, ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }) }, this.#api.timeoutMs)
    let json: unknown
    try {
      json = res.text ? JSON.parse(res.text) : {}
    } catch (e) {
      throw new CandorError('internal', `server answered ${res.status} with a body that is not JSON`, { cause: e })
    }
    if (!res.ok) {
      const err = (json as { error?: { code?: unknown; message?: unknown; details?: Record<string, unknown> } }).error
      // The details too (e.g. approvalRequired), as the main API client keeps them.
      throw new CandorError(isErrorCode(err?.code) ? err.code : 'internal', typeof err?.message === 'string' ? err.message : `HTTP ${res.status}`, {
        ...(err?.details && typeof err.details === 'object' ? { details: err.details } : {}),
      })
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) {
      throw new CandorError('internal', `the server's answer to ${method} ${path} is malformed: ${parsed.error.issues[0]?.path.map(String).join('.')} ${parsed.error.issues[0]?.message}`)
    }
    return parsed.data
  }
}

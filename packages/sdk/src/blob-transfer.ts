// The blob routes (docs/protocol.md §2.4) from a device: JSON calls through the ApiClient, raw
// bytes up and down with fetch. Uploads resume at the offset the server says it has; downloads
// resume with a Range from the bytes already read. Every exchange is bounded in time: an upload
// piece or a download that stays silent longer than the timeout fails with `unavailable`.
import { CandorError, blobAppendResponse, blobFetchedResponse, blobInfoSchema, isErrorCode, type BlobInfo } from '@candor/protocol'
import type { ApiClient } from './api-client.ts'

async function errorOf(res: Response): Promise<CandorError> {
  let body: unknown
  try {
    body = await res.json()
  } catch {
    body = undefined
  }
  const err = (body as { error?: { code?: unknown; message?: unknown; details?: Record<string, unknown> } } | undefined)?.error
  const code = isErrorCode(err?.code) ? err.code : res.status === 413 ? 'body_too_large' : 'internal'
  return new CandorError(code, typeof err?.message === 'string' ? err.message : `HTTP ${res.status}`, err?.details ? { details: err.details } : undefined)
}

function unreachable(url: string, e: unknown, timedOut: boolean, timeoutMs: number): CandorError {
  const origin = new URL(url).origin
  return timedOut
    ? new CandorError('unavailable', `the server at ${origin} did not answer within ${Math.round(timeoutMs / 1000)} s`, { cause: e })
    : new CandorError('unavailable', `the connection to ${origin} broke`, { cause: e })
}

export class BlobTransfer {
  readonly #api: ApiClient
  readonly #path: string

  /** `path`: where the bytes go up and come down (`/v1/archives` for history archives, §4.2). */
  constructor(api: ApiClient, path = '/v1/blobs') {
    this.#api = api
    this.#path = path
  }

  async create(groupId: string, size: number): Promise<BlobInfo> {
    return blobInfoSchema.parse(await this.#api.authedJson('POST', `/v1/groups/${groupId}/blobs`, { size }))
  }

  async info(blobId: string): Promise<BlobInfo> {
    return blobInfoSchema.parse(await this.#api.authedJson('GET', `/v1/blobs/${blobId}`))
  }

  async complete(blobId: string): Promise<BlobInfo> {
    return blobInfoSchema.parse(await this.#api.authedJson('POST', `/v1/blobs/${blobId}/complete`, {}))
  }

  /** Tells the server this device has the attachment (its hash matched): whether the blob is now gone (§2.4 Lifecycle). */
  async fetched(blobId: string): Promise<boolean> {
    return blobFetchedResponse.parse(await this.#api.authedJson('POST', `${this.#path}/${blobId}/fetched`, {})).deleted
  }

  /** Sends bytes to store at `offset`; the server's new `received`. */
  async put(blobId: string, offset: number, bytes: Uint8Array): Promise<number> {
    const url = `${this.#api.baseUrl}${this.#path}/${blobId}?offset=${offset}`
    const token = await this.#api.token()
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), this.#api.timeoutMs)
    try {
      const res = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${token}` },
        body: bytes.slice() as Uint8Array<ArrayBuffer>,
        signal: controller.signal,
      })
      if (!res.ok) throw await errorOf(res)
      return blobAppendResponse.parse(await res.json()).received
    } catch (e) {
      if (e instanceof CandorError) throw e
      throw unreachable(url, e, controller.signal.aborted, this.#api.timeoutMs)
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * The blob's bytes from `from` on, piece by piece as they arrive. A broken connection or a
   * silence longer than the timeout ends the iteration with `unavailable` (the caller resumes).
   */
  async *read(blobId: string, from: number): AsyncGenerator<Uint8Array> {
    const url = `${this.#api.baseUrl}${this.#path}/${blobId}/content`
    const token = await this.#api.token()
    const controller = new AbortController()
    let timer = setTimeout(() => controller.abort(), this.#api.timeoutMs)
    const headers: Record<string, string> = { authorization: `Bearer ${token}` }
    if (from > 0) headers.range = `bytes=${from}-`
    try {
      let res: Response
      try {
        res = await fetch(url, { headers, signal: controller.signal })
      } catch (e) {
        throw unreachable(url, e, controller.signal.aborted, this.#api.timeoutMs)
      }
      if (!res.ok) throw await errorOf(res)
      if (from > 0 && res.status !== 206) throw new CandorError('internal', 'the server ignored the range of a resumed download')
      const reader = res.body!.getReader()
      for (;;) {
        let r: ReadableStreamReadResult<Uint8Array>
        try {
          r = await reader.read()
        } catch (e) {
          throw unreachable(url, e, controller.signal.aborted, this.#api.timeoutMs)
        }
        if (r.done) return
        clearTimeout(timer)
        timer = setTimeout(() => controller.abort(), this.#api.timeoutMs)
        yield r.value
      }
    } finally {
      clearTimeout(timer)
      controller.abort()
    }
  }
}

// What the SDK clients of a test asked the server, as the requests went out: every client of the
// process calls the global fetch (http-call.ts), so this wraps it, notes each request to the
// server and its answer's status, and passes everything through unchanged.

export interface LoggedRequest {
  method: string
  /** The path, without the query. */
  path: string
  /** The bearer token it carried (which device asked), if any. */
  token: string | undefined
  /** The answer's status (0 while it is on its way or when none came). */
  status: number
}

export interface RequestLog {
  readonly requests: readonly LoggedRequest[]
  /** Puts the global fetch back. */
  stop(): void
}

export function logRequests(server: string): RequestLog {
  const original = globalThis.fetch
  const requests: LoggedRequest[] = []
  globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (!url.startsWith(server)) return original(input, init)
    const headers = new Headers(init?.headers)
    const auth = headers.get('authorization')
    const entry: LoggedRequest = { method: init?.method ?? 'GET', path: new URL(url).pathname, token: auth?.replace(/^Bearer /, ''), status: 0 }
    requests.push(entry)
    const res = await original(input, init)
    entry.status = res.status
    return res
  }
  return {
    requests,
    stop() {
      globalThis.fetch = original
    },
  }
}

// Minimal JSON-over-HTTP client for the Candor API, spreading requests over several loopback
// source addresses (the server rate-limits HTTP per client address).
import { Agent, request } from 'node:http'
import { sourceAddress } from './driver.ts'

export class CandorHttp {
  readonly #port: number
  readonly #agents: Agent[] = []
  #next = 0

  constructor(port: number, spread = 64) {
    this.#port = port
    for (let i = 0; i < spread; i++) this.#agents.push(new Agent({ keepAlive: true, maxSockets: 4, localAddress: sourceAddress(i, spread) }))
  }

  post<T>(path: string, body: unknown, token?: string): Promise<T> {
    const agent = this.#agents[this.#next++ % this.#agents.length]!
    const data = Buffer.from(JSON.stringify(body))
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.#port,
          path,
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': data.length,
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString()
            if ((res.statusCode ?? 500) >= 300) reject(new Error(`POST ${path}: ${res.statusCode} ${text.slice(0, 300)}`))
            else resolve(JSON.parse(text) as T)
          })
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end(data)
    })
  }

  close(): void {
    for (const a of this.#agents) a.destroy()
  }
}

/** Runs `f` over `items` with at most `limit` in progress. */
export async function pool<T, R>(items: readonly T[], limit: number, f: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await f(items[i]!, i)
      }
    }),
  )
  return out
}

// Streams each organisation's audit entries to its SIEM, as it configured (siemSettingsSchema):
// syslog (RFC 5424 messages, RFC 5425 TLS transport with RFC 6587 octet-counting framing) and an
// HTTPS webhook (JSON, `Idempotency-Key: <org>:<index>`). Both are at least once while this node
// runs: a failed send is retried with backoff (1 s, 2 s, 4 s … up to 8 tries); receivers drop
// duplicates by index. The log stays the record: a collector that missed entries reads them with
// `candor org audit <org> --jsonl` from the index it has. How each destination fares (last index
// delivered, last error, entries retrying or given up) is kept in memory per destination and
// served to the owner with the settings (protocol.md §4.8).
import { connect as tcpConnect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { request } from 'node:https'
import { hostname } from 'node:os'
import { siemSettingsSchema, type OrgId, type SiemDelivery, type SiemSettings } from '@candor/protocol'
import type { Store } from '@candor/ports'
import type { Logger } from '../../logger.ts'

const MAX_TRIES = 8
const ERROR_CHARS = 300

type Kind = 'syslog' | 'webhook'
const targetOf = (s: SiemSettings, kind: Kind): string | null =>
  kind === 'syslog' ? (s.syslog ? `${s.syslog.host}:${s.syslog.port}` : null) : (s.webhook?.url ?? null)
const SEND_TIMEOUT_MS = 10_000
/** RFC 5424 PRI: facility 13 (log audit) × 8 + severity 5 (notice). */
const PRI = 13 * 8 + 5
/** Our private enterprise number is not registered: the SD-ID uses the example number of RFC 5424 §7.2.2. */
const SD_ID = 'candor@32473'

const sdEscape = (v: string) => v.replace(/[\\"\]]/g, (c) => `\\${c}`)

/** One RFC 5424 message for an entry (MSG is the entry's JSON text, UTF-8 with a BOM). */
export function syslogMessage(org: OrgId, index: number, entry: string, at: Date, host = hostname()): string {
  let action = '-'
  try {
    action = (JSON.parse(entry) as { action?: string }).action ?? '-'
  } catch {
    // The entry is ours; a parse failure only loses the MSGID.
  }
  const hostField = (host.replace(/[^\x21-\x7e]/g, '') || '-').slice(0, 255)
  return `<${PRI}>1 ${at.toISOString()} ${hostField} candor - ${action.slice(0, 32)} [${SD_ID} org="${sdEscape(org)}" index="${index}"] \uFEFF${entry}`
}

/** RFC 6587 §3.4.1 octet counting: "LEN SP MSG". */
export function octetCounted(msg: string): Buffer {
  const body = Buffer.from(msg, 'utf8')
  return Buffer.concat([Buffer.from(`${body.length} `), body])
}

export class SiemStream {
  readonly #store: Store
  readonly #log: Logger
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #inFlight = new Set<Promise<void>>()
  /** By `org kind target`: how that destination has fared since this node started. */
  readonly #delivery = new Map<string, SiemDelivery>()
  #closed = false
  /** Base of the backoff (tests shorten it). */
  readonly #backoffMs: number

  constructor(store: Store, log: Logger, backoffMs = 1000) {
    this.#store = store
    this.#log = log
    this.#backoffMs = backoffMs
  }

  async settings(org: OrgId): Promise<SiemSettings | null> {
    const raw = await this.#store.governance().getSiemConfig(org)
    if (raw === null) return null
    const parsed = siemSettingsSchema.safeParse(JSON.parse(raw))
    return parsed.success ? parsed.data : null
  }

  /** How each destination set now has fared on this node (null for one not set). */
  async delivery(org: OrgId): Promise<{ syslog: SiemDelivery | null; webhook: SiemDelivery | null }> {
    const s = await this.settings(org)
    const one = (kind: Kind): SiemDelivery | null => {
      const target = s ? targetOf(s, kind) : null
      if (target === null) return null
      const d = this.#delivery.get(`${org} ${kind} ${target}`)
      return d ? { ...d } : { target, lastDelivered: null, lastDeliveredAt: null, lastError: null, lastErrorAt: null, retrying: 0, failed: 0 }
    }
    return { syslog: one('syslog'), webhook: one('webhook') }
  }

  /** Forgets how the organisation's destinations that `now` no longer names fared (a changed one starts afresh). */
  forgetOthers(org: OrgId, now: SiemSettings | null): void {
    const keep = new Set((['syslog', 'webhook'] as const).map((k) => (now ? `${org} ${k} ${targetOf(now, k)}` : '')))
    for (const key of [...this.#delivery.keys()]) if (key.startsWith(`${org} `) && !keep.has(key)) this.#delivery.delete(key)
  }

  #state(org: OrgId, kind: Kind, target: string): SiemDelivery {
    const key = `${org} ${kind} ${target}`
    let d = this.#delivery.get(key)
    if (!d) {
      d = { target, lastDelivered: null, lastDeliveredAt: null, lastError: null, lastErrorAt: null, retrying: 0, failed: 0 }
      this.#delivery.set(key, d)
    }
    return d
  }

  /** Hands an entry to the organisation's SIEM destinations (never throws; failures are retried, then logged). */
  send(org: OrgId, index: number, entry: string): void {
    if (this.#closed) return
    const p = this.settings(org).then(
      (s) => {
        if (!s) return
        const at = new Date()
        if (s.syslog) this.#try(this.#state(org, 'syslog', targetOf(s, 'syslog')!), index, `syslog ${org}#${index}`, () => sendSyslog(s.syslog!, syslogMessage(org, index, entry, at)), 1)
        if (s.webhook) this.#try(this.#state(org, 'webhook', targetOf(s, 'webhook')!), index, `webhook ${org}#${index}`, () => sendWebhook(s.webhook!, org, index, entry), 1)
      },
      (err: unknown) => this.#log.error({ err, org, index }, 'SIEM settings could not be read; entry not streamed'),
    )
    this.#track(p)
  }

  #track(p: Promise<void>): void {
    this.#inFlight.add(p)
    void p.finally(() => this.#inFlight.delete(p))
  }

  #try(state: SiemDelivery, index: number, what: string, attempt: () => Promise<void>, n: number): void {
    if (this.#closed) return
    const p = attempt().then(
      () => {
        state.lastDelivered = Math.max(state.lastDelivered ?? index, index)
        state.lastDeliveredAt = Date.now()
      },
      (err: unknown) => {
        state.lastError = (err instanceof Error ? err.message : String(err)).slice(0, ERROR_CHARS)
        state.lastErrorAt = Date.now()
        if (n >= MAX_TRIES || this.#closed) {
          state.failed++
          this.#log.error({ err, what, tries: n }, 'SIEM delivery failed for good (the entry stays in the audit log)')
          return
        }
        this.#log.warn({ err, what, tries: n }, 'SIEM delivery failed; retrying')
        state.retrying++
        const t = setTimeout(() => {
          this.#timers.delete(t)
          state.retrying--
          this.#try(state, index, what, attempt, n + 1)
        }, this.#backoffMs * 2 ** (n - 1))
        this.#timers.add(t)
      },
    )
    this.#track(p)
  }

  async close(): Promise<void> {
    this.#closed = true
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
    await Promise.allSettled([...this.#inFlight])
  }
}

function sendSyslog(s: NonNullable<SiemSettings['syslog']>, msg: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = s.tls
      ? tlsConnect({ host: s.host, port: s.port, servername: /^[\d.:]+$/.test(s.host) ? '' : s.host, ...(s.ca ? { ca: s.ca } : {}) })
      : tcpConnect({ host: s.host, port: s.port })
    const timer = setTimeout(() => sock.destroy(new Error('syslog send timed out')), SEND_TIMEOUT_MS)
    sock.once('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    sock.once(s.tls ? 'secureConnect' : 'connect', () => {
      sock.end(octetCounted(msg), () => {
        clearTimeout(timer)
        resolve()
      })
    })
  })
}

function sendWebhook(w: NonNullable<SiemSettings['webhook']>, org: OrgId, index: number, entry: string): Promise<void> {
  const body = Buffer.from(JSON.stringify({ org, index, entry: JSON.parse(entry) as unknown }))
  return new Promise((resolve, reject) => {
    const req = request(
      w.url,
      {
        method: 'POST',
        timeout: SEND_TIMEOUT_MS,
        headers: { 'content-type': 'application/json', 'content-length': body.length, 'idempotency-key': `${org}:${index}` },
        ...(w.ca ? { ca: w.ca } : {}),
      },
      (res) => {
        res.resume()
        const code = res.statusCode ?? 0
        if (code >= 200 && code < 300) resolve()
        else reject(new Error(`webhook answered ${code}`))
      },
    )
    req.once('timeout', () => req.destroy(new Error('webhook timed out')))
    req.once('error', reject)
    req.end(body)
  })
}

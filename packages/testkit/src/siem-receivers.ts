// SIEM receivers a test starts on loopback, with a certificate the test makes (selfsigned, on
// @peculiar/x509): a syslog collector over TLS (RFC 5425, octet-counted RFC 5424 messages) and an
// HTTPS webhook that fails each event's first delivery (so the sender's retries are exercised) and
// keeps each event once by its Idempotency-Key.
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import type { AddressInfo } from 'node:net'
import { generate } from 'selfsigned'

export interface SyslogMessage {
  pri: number
  version: number
  timestamp: string
  host: string
  app: string
  msgid: string
  sd: Record<string, string>
  msg: string
}

/** Parses one RFC 5424 message of ours (NILVALUE procid, one SD element). */
export function parseSyslog(m: string): SyslogMessage {
  const r = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) - (\S+) \[candor@32473((?: [a-z]+="(?:[^"\\\]]|\\.)*")*)\] \uFEFF([\s\S]*)$/.exec(m)
  if (!r) throw new Error(`not an RFC 5424 message of ours: ${m.slice(0, 120)}`)
  const sd: Record<string, string> = {}
  for (const p of r[7]!.matchAll(/ ([a-z]+)="((?:[^"\\\]]|\\.)*)"/g)) sd[p[1]!] = p[2]!.replace(/\\(.)/g, '$1')
  return { pri: Number(r[1]), version: Number(r[2]), timestamp: r[3]!, host: r[4]!, app: r[5]!, msgid: r[6]!, sd, msg: r[8]! }
}

export interface Receivers {
  /** The certificate to trust (PEM). */
  ca: string
  syslogPort: number
  webhookUrl: string
  syslog: SyslogMessage[]
  /** Webhook events by Idempotency-Key, each once. */
  webhook: Map<string, { org: string; index: number; entry: unknown }>
  /** Deliveries the webhook refused on purpose (first tries). */
  refused: number
  close(): Promise<void>
}

export async function startReceivers(): Promise<Receivers> {
  const pems = await generate([{ name: 'commonName', value: 'siem.test' }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate: new Date(Date.now() + 24 * 3600_000),
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] }],
  })
  const syslog: SyslogMessage[] = []
  const tlsServer: TlsServer = createTlsServer({ key: pems.private, cert: pems.cert }, (sock) => {
    let buf = Buffer.alloc(0)
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      for (;;) {
        const sp = buf.indexOf(0x20)
        if (sp < 0) return
        const len = Number(buf.subarray(0, sp).toString())
        if (buf.length < sp + 1 + len) return
        syslog.push(parseSyslog(buf.subarray(sp + 1, sp + 1 + len).toString('utf8')))
        buf = buf.subarray(sp + 1 + len)
      }
    })
    sock.on('error', () => {})
  })
  const webhook = new Map<string, { org: string; index: number; entry: unknown }>()
  const seen = new Set<string>()
  const r: Receivers = { ca: pems.cert, syslogPort: 0, webhookUrl: '', syslog, webhook, refused: 0, close: async () => {} }
  const httpsServer: HttpsServer = createHttpsServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'])
      if (!seen.has(key)) {
        seen.add(key)
        r.refused++
        res.writeHead(503).end()
        return
      }
      if (!webhook.has(key)) webhook.set(key, JSON.parse(Buffer.concat(chunks).toString('utf8')) as { org: string; index: number; entry: unknown })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((ok) => tlsServer.listen(0, '127.0.0.1', ok))
  await new Promise<void>((ok) => httpsServer.listen(0, '127.0.0.1', ok))
  r.syslogPort = (tlsServer.address() as AddressInfo).port
  r.webhookUrl = `https://127.0.0.1:${(httpsServer.address() as AddressInfo).port}/candor-audit`
  r.close = async () => {
    httpsServer.closeAllConnections()
    await Promise.all([new Promise((ok) => tlsServer.close(ok)), new Promise((ok) => httpsServer.close(ok))])
  }
  return r
}

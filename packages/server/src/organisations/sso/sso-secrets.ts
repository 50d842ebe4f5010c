// The secrets of single sign-on, none of them in the database (docs/organisations.md): an
// identity provider's client secret is stored only as an AES-256-GCM box, and a sign-in ticket
// is MACed, both under keys derived from the server's key file (its access-pseudonym key, which
// never changes, under labels of their own — like the receipt-salt key). A copy of the database
// therefore neither reveals a client secret nor mints a ticket.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { CandorError, fromBase64Url, toBase64Url, type OrgId } from '@candor/protocol'
import type { ServerKeys } from '../../keys/server-keys.ts'

const derive = (keys: ServerKeys, label: string): Buffer => Buffer.from(hkdfSync('sha256', keys.accessPseudonymKey, new Uint8Array(0), label, 32))

export interface SsoSecrets {
  seal(org: OrgId, clientSecret: string): Uint8Array
  open(org: OrgId, box: Uint8Array): string
  mac(body: string): Buffer
}

export function ssoSecrets(keys: ServerKeys): SsoSecrets {
  const boxKey = derive(keys, 'candor/sso-client-secret/v1')
  const ticketKey = derive(keys, 'candor/sso-ticket/v1')
  // The organisation is authenticated data: a box moved to another organisation's row does not open.
  const aad = (org: OrgId) => Buffer.from(`candor/sso-client-secret/v1\n${org}`)
  return {
    seal(org, clientSecret) {
      const nonce = randomBytes(12)
      const c = createCipheriv('aes-256-gcm', boxKey, nonce).setAAD(aad(org))
      const body = Buffer.concat([c.update(clientSecret, 'utf8'), c.final()])
      return new Uint8Array(Buffer.concat([nonce, body, c.getAuthTag()]))
    },
    open(org, box) {
      const b = Buffer.from(box)
      try {
        const d = createDecipheriv('aes-256-gcm', boxKey, b.subarray(0, 12)).setAAD(aad(org))
        d.setAuthTag(b.subarray(b.length - 16))
        return Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]).toString('utf8')
      } catch {
        throw new CandorError('internal', `the client secret of ${org} does not open with this server's keys`)
      }
    },
    mac: (body) => createHmac('sha256', ticketKey).update('candor/sso-ticket/v1\n').update(body).digest(),
  }
}

/** What a sign-in ticket says: who signed in at the organisation's identity provider, for which user id. */
export interface TicketClaims {
  org: OrgId
  userId: string
  iss: string
  sub: string
  email: string
  sid: string | null
  /** When the person signed in at the identity provider (ms). */
  at: number
  exp: number
  jti: string
}

export function sealTicket(secrets: SsoSecrets, t: TicketClaims): string {
  const body = toBase64Url(Buffer.from(JSON.stringify(t), 'utf8'))
  return `t1.${body}.${toBase64Url(secrets.mac(body))}`
}

/** The ticket's claims if the server MACed it and it has not expired; else null. (Single use is the caller's: Store.consumeNonce.) */
export function openTicket(secrets: SsoSecrets, ticket: string, now: number): TicketClaims | null {
  const [v, body, mac] = ticket.split('.')
  if (v !== 't1' || !body || !mac) return null
  const m = fromBase64Url(mac)
  if (!m || m.length !== 32 || !timingSafeEqual(m, secrets.mac(body))) return null
  const bytes = fromBase64Url(body)
  if (!bytes) return null
  const t = JSON.parse(Buffer.from(bytes).toString('utf8')) as TicketClaims
  return typeof t.exp === 'number' && t.exp > now ? t : null
}

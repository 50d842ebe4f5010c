// The consent ledger: a device appends a record it signed (checked here against its own key
// and the session), and any device of the person reads the whole ledger back.
import type { FastifyInstance } from 'fastify'
import { CandorError, base64UrlBytes, consentRecordSchema, postConsentRequest, toBase64Url, utf8, type ConsentsResponse } from '@candor/protocol'
import { verifyDetached } from '@candor/crypto'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { parseBody } from './parse.ts'

export function consentRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/consents', async (req, reply) => {
    const s = await authenticate(ctx, req)
    const body = parseBody(postConsentRequest, req.body)
    let json: unknown
    try {
      json = JSON.parse(body.record)
    } catch {
      throw new CandorError('bad_request', 'record: not JSON')
    }
    const record = parseBody(consentRecordSchema, json)
    const device = await ctx.store.getDevice(s.deviceId)
    if (record.userId !== s.userId || record.deviceId !== s.deviceId || !device || record.deviceKey !== toBase64Url(device.publicKey)) {
      throw new CandorError('forbidden', 'a consent record must be signed by the device that sends it, for its own account')
    }
    const signature = base64UrlBytes(body.signature)
    if (!verifyDetached(device.publicKey, utf8(body.record), signature)) throw new CandorError('bad_signature', 'the record signature does not verify')
    const seq = await ctx.store.appendConsent(s.userId, body.record, signature, Date.now())
    reply.code(201)
    return { seq }
  })

  app.get('/v1/consents', async (req): Promise<ConsentsResponse> => {
    const s = await authenticate(ctx, req)
    const list = await ctx.store.listConsents(s.userId)
    return { consents: list.map((c) => ({ seq: c.seq, record: c.record, signature: toBase64Url(c.signature), at: c.at })) }
  })
}

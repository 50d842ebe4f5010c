// The server's MLS external sender, public like the directory's parameters (docs/protocol.md
// §5.7): clients name it in the groups they create, after checking the access-log key's
// endorsement against the key they pinned.
import type { FastifyInstance } from 'fastify'
import { toBase64Url, type ExternalSenderResponse } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'

export function mlsSenderRoutes(app: FastifyInstance, ctx: AppContext): void {
  const body: ExternalSenderResponse = { publicKey: toBase64Url(ctx.mlsSender.publicKey), endorsement: toBase64Url(ctx.mlsSender.endorsement) }
  app.get('/v1/mls/external-sender', async (): Promise<ExternalSenderResponse> => body)
}

// The erasure notices of an organisation (docs/protocol.md §11.12): its `account.erase` audit
// entries, each with its inclusion proof against one signed checkpoint of its audit trail, for
// its archive account (which deletes what the erased people sent), its compliance officers and
// holders of `audit.read`. One call scans at most 10,000 entries from `from`; `next` is where to go on.
import type { FastifyInstance } from 'fastify'
import type { OrgAuditResponse } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { requireArchiveReader } from './archive-reader.ts'
import { index } from './audit-routes.ts'

export function archiveErasureRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/orgs/:org/compliance/erasures', async (req): Promise<OrgAuditResponse> => {
    const org = await requireArchiveReader(ctx, req, 'erasure notices')
    return ctx.audit.readAction(org, index(req.query, 'from', 0), 'account.erase')
  })
}

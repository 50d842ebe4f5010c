// Finding people in one's own organisation by user id prefix (docs/protocol.md §8, `candor
// people`). Only a member of an organisation may list it, and only their own: the caller's
// organisation comes from their session, never from the request; a guest lists nobody.
import type { FastifyInstance } from 'fastify'
import { CandorError, PEOPLE_LIMIT, parseUserIdPrefix, type PeopleResponse } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'

export function peopleRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/people', async (req): Promise<PeopleResponse> => {
    const s = await authenticate(ctx, req)
    const prefix = parseUserIdPrefix(((req.query ?? {}) as Record<string, unknown>)['prefix'])
    const me = await ctx.store.membershipOf(s.userId)
    if (!me || me.guest) throw new CandorError('forbidden', 'only members of an organisation may list its people')
    const found = await ctx.store.membersByPrefix(me.org, prefix, PEOPLE_LIMIT)
    return { people: found.map((m) => ({ userId: m.userId })) }
  })
}

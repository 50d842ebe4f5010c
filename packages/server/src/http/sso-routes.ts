// Single sign-on routes (docs/organisations.md "Single sign-on", docs/protocol.md §4.6): an
// organisation's owner or admin sets and reads its identity provider; anyone may start a
// sign-in (browser redirect or device flow) and finish it, getting a sign-in ticket; the
// provider ends sessions by back-channel logout.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  CandorError,
  parseOrgId,
  ssoDevicePollRequest,
  ssoSettingsRequest,
  type OrgId,
  type SsoDevicePollResponse,
  type SsoDeviceStartResponse,
  type SsoSettingsResponse,
} from '@candor/protocol'
import type { SsoConfigRecord } from '@candor/ports'
import type { AppContext } from '../app-context.ts'
import { requirePermission, scopedOrg } from '../organisations/org-scope.ts'
import { ticketFor } from '../organisations/sso/sign-in.ts'
import { verifyLogoutToken } from '../organisations/sso/backchannel-logout.ts'
import { parseBody, parseParam } from './parse.ts'

const orgParam = (params: unknown): OrgId => parseParam(params, 'org', parseOrgId)

function settingsOf(ctx: AppContext, org: OrgId, rec: SsoConfigRecord | null): SsoSettingsResponse {
  if (!rec) return { org, sso: null }
  return {
    org,
    sso: {
      issuer: rec.issuer,
      clientId: rec.clientId,
      clientSecretSet: true,
      allowedDomains: rec.allowedDomains,
      groupsClaim: rec.groupsClaim,
      requireSso: rec.requireSso,
      reauthMinutes: Math.round(rec.reauthMs / 60_000),
      redirectUri: ctx.sso.rp.redirectUri,
      backchannelLogoutUri: ctx.sso.rp.backchannelLogoutUri(org),
      updatedAt: rec.updatedAt,
    },
  }
}

/** The organisation's settings, or the same not_found for an organisation without SSO and one that does not exist. */
async function configured(ctx: AppContext, org: OrgId): Promise<SsoConfigRecord> {
  const rec = await ctx.store.getSsoConfig(org)
  if (!rec) throw new CandorError('not_found', 'this organisation has no single sign-on')
  return rec
}

/** A path on this server to send the browser to after the callback, or null. */
function redirectPath(q: unknown): string | null {
  const v = (q as Record<string, unknown> | undefined)?.['redirect']
  if (v === undefined) return null
  if (typeof v !== 'string' || !/^\/(?![/\\])[\x21-\x7e]{0,512}$/.test(v) || v.includes('#')) throw new CandorError('bad_request', 'redirect: must be a path on this server')
  return v
}

function logoutTokenOf(req: FastifyRequest): string {
  const b = req.body as Record<string, unknown> | undefined
  const t = b?.['logout_token']
  if (typeof t !== 'string' || t.length === 0 || t.length > 16_384) throw new CandorError('bad_request', 'logout_token: required')
  return t
}

export function ssoRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/v1/orgs/:org/sso', async (req): Promise<SsoSettingsResponse> => {
    const admin = await requirePermission(ctx, req, 'sso.manage')
    const org = orgParam(req.params)
    await scopedOrg(ctx, admin, org, 'sso.manage')
    return settingsOf(ctx, org, await ctx.store.getSsoConfig(org))
  })

  app.put('/v1/orgs/:org/sso', async (req): Promise<SsoSettingsResponse> => {
    const admin = await requirePermission(ctx, req, 'sso.manage')
    const org = orgParam(req.params)
    const body = parseBody(ssoSettingsRequest, req.body)
    const organisation = await scopedOrg(ctx, admin, org, 'sso.manage')
    if (new URL(body.issuer).protocol !== 'https:' && !ctx.sso.rp.allowInsecureIssuers) throw new CandorError('bad_request', 'issuer: must be an https URL')
    const unverified = body.allowedDomains.filter((d) => !organisation.domains.includes(d))
    if (unverified.length > 0) throw new CandorError('bad_request', `allowedDomains: ${unverified.join(', ')} is not a verified domain of ${org} (the operator verifies domains)`)
    const previous = await ctx.store.getSsoConfig(org)
    let clientSecret = body.clientSecret
    if (clientSecret === undefined) {
      if (!previous) throw new CandorError('bad_request', 'clientSecret: required the first time')
      clientSecret = ctx.sso.secrets.open(org, previous.clientSecretBox)
    }
    // The provider must answer discovery as this issuer before anything is stored.
    await ctx.sso.rp.discover(org, body.issuer, body.clientId, clientSecret)
    const rec: SsoConfigRecord = {
      issuer: body.issuer,
      clientId: body.clientId,
      clientSecretBox: ctx.sso.secrets.seal(org, clientSecret),
      allowedDomains: [...new Set(body.allowedDomains)].sort(),
      groupsClaim: body.groupsClaim ?? null,
      requireSso: body.requireSso,
      reauthMs: body.reauthMinutes * 60_000,
      updatedAt: Math.max(Date.now(), (previous?.updatedAt ?? 0) + 1),
    }
    await ctx.audit.record(org, { kind: 'admin', admin }, 'sso.set', `org:${org}`, {
      issuer: rec.issuer,
      clientId: rec.clientId,
      allowedDomains: rec.allowedDomains,
      groupsClaim: rec.groupsClaim,
      requireSso: rec.requireSso,
      reauthMinutes: body.reauthMinutes,
      secretChanged: body.clientSecret !== undefined,
    })
    if (!(await ctx.store.setSsoConfig(org, rec))) throw new CandorError('not_found', 'no such organisation')
    ctx.log.warn({ by: admin.userId, org, issuer: rec.issuer, clientId: rec.clientId, requireSso: rec.requireSso, secretChanged: body.clientSecret !== undefined }, 'single sign-on settings set')
    return settingsOf(ctx, org, rec)
  })

  app.get('/v1/orgs/:org/sso/start', async (req, reply) => {
    const org = orgParam(req.params)
    const redirect = redirectPath(req.query)
    const url = await ctx.sso.rp.startCode(org, await configured(ctx, org), redirect)
    void reply.header('cache-control', 'no-store')
    return reply.redirect(url.href, 302)
  })

  app.get('/v1/sso/callback', async (req, reply) => {
    const current = new URL(req.url, `${ctx.sso.rp.redirectUri.replace(/\/v1\/sso\/callback$/, '')}`)
    const done = await ctx.sso.rp.finishCode(current, (org) => ctx.store.getSsoConfig(org))
    const rec = await configured(ctx, done.org)
    const signedIn = await ticketFor(ctx, done.org, rec, done.claims)
    void reply.header('cache-control', 'no-store')
    if (done.redirect !== null) {
      const fragment = new URLSearchParams({ ssoTicket: signedIn.ticket, userId: signedIn.userId, org: signedIn.org, registered: String(signedIn.registered) })
      return reply.redirect(`${done.redirect}#${fragment.toString()}`, 303)
    }
    return signedIn
  })

  app.post('/v1/orgs/:org/sso/device', async (req, reply): Promise<SsoDeviceStartResponse> => {
    const org = orgParam(req.params)
    const started = await ctx.sso.rp.startDevice(org, await configured(ctx, org))
    void reply.header('cache-control', 'no-store')
    return started
  })

  app.post('/v1/sso/device/poll', async (req, reply): Promise<SsoDevicePollResponse> => {
    const { handle } = parseBody(ssoDevicePollRequest, req.body)
    const r = ctx.sso.rp.pollDevice(handle)
    void reply.header('cache-control', 'no-store')
    if (r.kind === 'pending') return { status: 'pending' }
    return ticketFor(ctx, r.org, await configured(ctx, r.org), r.claims)
  })

  // The provider posts the token form-encoded (the spec's only format); JSON is accepted too.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 32_768 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    })
    scope.post('/v1/orgs/:org/sso/backchannel-logout', async (req, reply) => {
      const org = orgParam(req.params)
      const token = logoutTokenOf(req)
      const rec = await configured(ctx, org)
      const meta = (await ctx.sso.rp.configuration(org, rec)).serverMetadata()
      if (!meta.jwks_uri) throw new CandorError('bad_request', 'the identity provider publishes no JWKS')
      const claims = await verifyLogoutToken(ctx.store, org, token, meta.issuer, meta.jwks_uri, rec.clientId)
      const users = await ctx.store.endSsoSessions(org, claims.iss, claims.sub !== undefined ? { subject: claims.sub } : { sid: claims.sid! }, Date.now())
      const devices = (await Promise.all(users.map((u) => ctx.store.listDevices(u)))).flat().filter((d) => d.status === 'active')
      ctx.sessions.end(devices.map((d) => d.deviceId), 'logged_out')
      ctx.log.warn({ org, users, jti: claims.jti }, 'back-channel logout ended single sign-on sessions')
      void reply.header('cache-control', 'no-store')
      return { ended: users.length }
    })
  })
}

// KeyPackages: devices upload one-time packages and one last-resort package; a claim hands
// each one-time package out at most once, and claims are bounded (key-package-claims.ts).
import type { FastifyInstance } from 'fastify'
import {
  CLASSIC_SUITE_ID,
  CandorError,
  LIMITS,
  claimRequest,
  keyPackageCountQuery,
  base64UrlBytes,
  parseUserId,
  keyPackageUpload,
  toBase64Url,
  type ClaimResponse,
  type KeyPackageCount,
} from '@candor/protocol'
import { checkKeyPackage, getSuites, suiteNamed } from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import type { AppContext } from '../app-context.ts'
import { authenticate } from '../auth/authenticate.ts'
import { parseBody, parseParam } from './parse.ts'
import { notifyDevices } from './device-info.ts'

const LOW_WATER = 10
/** Built once, when this module loads; checking an upload needs only its signature primitives. */
const suite = getSuites(nodeCryptoProvider())

export function keyPackagesRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/key-packages', async (req): Promise<KeyPackageCount> => {
    const s = await authenticate(ctx, req)
    const body = parseBody(keyPackageUpload, req.body)
    const suiteId = body.suite ?? CLASSIC_SUITE_ID
    const device = await ctx.store.getDevice(s.deviceId)
    if (!device) throw new CandorError('unknown_device', 'no such device')
    const owner = { userId: s.userId, deviceId: s.deviceId, publicKey: device.publicKey }
    const oneTime = body.oneTime.map(base64UrlBytes)
    const lastResort = body.lastResort === undefined ? undefined : base64UrlBytes(body.lastResort)
    // Every package in the suite the upload names (docs/protocol.md §4.5).
    const only = (await suite)[suiteNamed(suiteId)!]
    for (const kp of [...oneTime, ...(lastResort ? [lastResort] : [])]) await checkKeyPackage(only, kp, owner)
    const before = await ctx.store.countKeyPackages(s.deviceId, suiteId)
    if (before.oneTime + oneTime.length > LIMITS.keyPackagesPerDevice) {
      throw new CandorError('forbidden', `a device may hold at most ${LIMITS.keyPackagesPerDevice} one-time key packages of a suite`)
    }
    await ctx.store.addKeyPackages(s.deviceId, oneTime, lastResort, suiteId)
    return ctx.store.countKeyPackages(s.deviceId, suiteId)
  })

  app.get('/v1/key-packages/count', async (req): Promise<KeyPackageCount> => {
    const s = await authenticate(ctx, req)
    const { suite: suiteId } = parseBody(keyPackageCountQuery, req.query ?? {})
    return ctx.store.countKeyPackages(s.deviceId, suiteId ?? CLASSIC_SUITE_ID)
  })

  app.post('/v1/users/:userId/key-packages/claim', async (req): Promise<ClaimResponse> => {
    const s = await authenticate(ctx, req)
    const userId = parseParam(req.params, 'userId', parseUserId)
    if (!(await ctx.store.userExists(userId))) throw new CandorError('unknown_user', 'no such user')
    const { deviceIds, suite: suiteId = CLASSIC_SUITE_ID } = parseBody(claimRequest, req.body ?? {})
    ctx.claims.claim(s.userId, userId)
    const wanted = deviceIds ? new Set(deviceIds) : undefined
    const devices = (await ctx.store.listDevices(userId)).filter(
      (d) => d.status === 'active' && d.deviceId !== s.deviceId && (!wanted || wanted.has(d.deviceId)),
    )
    const out: ClaimResponse['keyPackages'] = []
    const missing: string[] = []
    for (const d of devices) {
      const kp = await ctx.store.claimKeyPackage(d.deviceId, !ctx.claims.oneTime(s.userId, userId), suiteId)
      if (!kp) {
        missing.push(d.deviceId)
        continue
      }
      out.push({
        userId,
        deviceId: d.deviceId,
        publicKey: toBase64Url(d.publicKey),
        keyPackage: toBase64Url(kp.keyPackage),
        lastResort: kp.lastResort,
      })
      const left = await ctx.store.countKeyPackages(d.deviceId, suiteId)
      if (left.oneTime < LOW_WATER) notifyDevices(ctx, [d], { kind: 'key_packages_low', remaining: left.oneTime })
    }
    if (out.length === 0 && devices.length > 0) throw new CandorError('no_key_package', `${userId} has no key packages available`)
    return missing.length > 0 ? { keyPackages: out, missing } : { keyPackages: out }
  })
}

// Builds one Candor node: HTTP API (Fastify) and the WebSocket delivery gateway on one port.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { existsSync } from 'node:fs'
import { CandorError, DEFAULT_ORG_ID, LIMITS, USER_ID_MAX_LENGTH, encodeNotice, type SignupMode } from '@candor/protocol'
import type { AppContext } from './app-context.ts'
import { TokenIssuer } from './auth/tokens.ts'
import { Sessions } from './auth/sessions.ts'
import { receiptsSaltKey, webPushVapidKeys, type ServerKeys } from './keys/server-keys.ts'
import { checkServedKeys } from './keys/served-keys-check.ts'
import { DeliveryService } from './delivery/delivery-service.ts'
import { GroupRoster } from './delivery/group-roster.ts'
import { WebSocketGateway } from './delivery/websocket-gateway.ts'
import { errorBody, toCandorError } from './errors.ts'
import { accountsRoutes } from './http/accounts-routes.ts'
import { accountDataRoutes } from './http/account-data-routes.ts'
import { AccessGate } from './access/access-gate.ts'
import { AccessLog } from './access/access-log.ts'
import { ReceiptCommitments } from './access/receipt-commitments.ts'
import { Admins } from './access/admins.ts'
import { adminRoutes } from './http/admin-routes.ts'
import { organisationRoutes } from './http/organisation-routes.ts'
import { scimRoutes } from './http/scim-routes.ts'
import { scimTokenRoutes } from './http/scim-token-routes.ts'
import { ssoRoutes } from './http/sso-routes.ts'
import { RelyingParty } from './organisations/sso/relying-party.ts'
import { ssoSecrets } from './organisations/sso/sso-secrets.ts'
import { consentRoutes } from './http/consent-routes.ts'
import { retentionRoutes } from './http/retention-routes.ts'
import { ContactGate, type NotifyUser } from './contacts/contact-gate.ts'
import { requestRoutes } from './contacts/request-routes.ts'
import { OrgAuditLog } from './organisations/audit/org-audit-log.ts'
import { SiemStream } from './organisations/audit/siem-stream.ts'
import { auditRoutes } from './http/audit-routes.ts'
import { OrgPolicies } from './organisations/policy/org-policies.ts'
import { Approvals } from './organisations/policy/approvals.ts'
import { policyRoutes } from './http/policy-routes.ts'
import { policyVersionRoutes } from './http/policy-version-routes.ts'
import { approvalDeclineRoute } from './http/approval-decline-route.ts'
import { complianceKeyRoutes } from './http/compliance-key-routes.ts'
import { complianceUnlockRoutes } from './http/compliance-unlock-routes.ts'
import { legalHoldRoutes } from './http/legal-hold-routes.ts'
import { directoryLinkRoutes } from './http/directory-link-routes.ts'
import { archiveErasureRoutes } from './http/archive-erasure-routes.ts'
import { approvalRoutes } from './http/approval-routes.ts'
import { mlsSenderRoutes } from './http/mls-sender-routes.ts'
import { heldDeviceRoutes } from './organisations/devices/held-device-routes.ts'
import { dataRightsRoutes } from './organisations/devices/data-rights.ts'
import { DEFAULT_ORG_SWEEP_MS, sweepOrgPolicies } from './organisations/devices/org-policy-sweep.ts'
import { serverSenderKeys } from './mls/server-sender.ts'
import { peopleRoutes } from './http/people-routes.ts'
import { DEFAULT_RETENTION_POLICY, type RetentionPolicy } from './access/retention-policy.ts'
import { devicesRoutes } from './http/devices-routes.ts'
import { enrolmentRoutes } from './http/enrolment-routes.ts'
import { directoryRoutes } from './http/directory-routes.ts'
import { DirectoryService } from './directory/directory-service.ts'
import { groupsRoutes } from './http/groups-routes.ts'
import { accountGroupsRoutes } from './http/account-groups-routes.ts'
import { groupCommitsRoutes } from './http/group-commits-routes.ts'
import { recoveryRoutes } from './http/recovery-routes.ts'
import { webAssets } from './http/web-assets.ts'
import { pushRoutes } from './http/push-routes.ts'
import { DEFAULT_PUSH_SETTINGS, PushWaker, type PushSettings } from './push/push-waker.ts'
import { keyPackagesRoutes } from './http/key-packages-routes.ts'
import { createLogger, type Logger } from './logger.ts'
import { Metrics } from './metrics.ts'
import { listenForMetrics, type MetricsListener } from './metrics-listener.ts'
import { DEFAULT_TIMEOUTS, type ServerTimeouts } from './server-limits.ts'
import { RateLimiter } from './rate-limit.ts'
import { RecoveryLimits, type RecoveryLimitSettings } from './recovery-limits.ts'
import { EnrolmentLimits } from './enrolment-limits.ts'
import { KeyPackageClaims } from './key-package-claims.ts'
import type { BlobStore, Bus, HoldLimits, Store } from '@candor/ports'
import { blobRoutes } from './http/blob-routes.ts'
import { inviteRoutes } from './http/invite-routes.ts'
import { archiveRoutes } from './http/archive-routes.ts'
import { accountRecoveryRoutes } from './http/account-recovery-routes.ts'
import { BlobSweep } from './delivery/blob-sweep.ts'
import { GroupStateSweep, type GroupStateSettings } from './mls/group-state-sweep.ts'
import { noticeDueHolds } from './compliance/hold-notices.ts'
import { InProcessBus } from './delivery/in-process-bus.ts'
import type { DestinationStream } from 'pino'

/** Pending connections the kernel may hold for accept() (see listen below). */
const LISTEN_BACKLOG = 8192

export interface ServerOptions {
  store: Store
  /**
   * The server's secrets. Required, so no server ever makes up keys of its own: `candor serve`
   * reads them from the key file or the environment; tests pass generateServerKeys().
   */
  keys: ServerKeys
  bus?: Bus
  host?: string
  /** 0 picks a free port. */
  port?: number
  logLevel?: string
  logDestination?: DestinationStream
  /** Folder of the built web client, served at `/` when present. */
  webRoot?: string
  /**
   * Serve Prometheus metrics at /metrics on this port (0 picks a free one) and host (default
   * 127.0.0.1). Without it metrics are not served; never on the public port.
   */
  metrics?: { port: number; host?: string }
  /** HTTP and delivery-socket timeouts; each one left out keeps its default (server-limits.ts). */
  timeouts?: Partial<ServerTimeouts>
  /** HTTP requests per second per client address (burst is 4×). */
  httpRatePerSecond?: number
  /**
   * Key-directory lookups (`GET /v1/directory/lookup/:userId`, past ones too) per second per
   * client address, and their burst (default 4× the rate). Default: as many as requests
   * (httpRatePerSecond). 0 turns lookups away altogether (`429 rate_limited`).
   */
  directoryLookupRate?: { perSecond: number; burst?: number }
  /** The key directory's name in its checkpoints (default "candor/directory"). */
  directoryOrigin?: string
  /**
   * The witnesses whose cosignatures of directory checkpoints this server accepts and serves:
   * their C2SP cosignature/v1 verifier keys (`candor serve --witness`). None by default, and
   * then every posted cosignature is refused.
   */
  witnesses?: readonly string[]
  /** Clock of enrolment requests: their expiry and rate limits (tests move it). */
  enrolmentClock?: () => number
  /** The access log's name in its checkpoints (default "candor/access-log"). */
  accessLogOrigin?: string
  /** Clock of the access gate (receipt times, delayed notices); tests move it. */
  accessClock?: () => number
  /** Bounds on disappearing-message timers (default: 5 s to a year, or none). */
  retentionPolicy?: RetentionPolicy
  /** How often past-timer ciphertext is deleted (default 5 s). */
  retentionSweepMs?: number
  /**
   * How often receipts that became readable (delayed notices whose date came) are committed to
   * their subjects' key-directory entries (default 5 s).
   */
  receiptSweepMs?: number
  /**
   * Sets the `default` organisation's sign-up at start (`candor serve --no-open-signup`: closed).
   * Left out, it stays as stored: open on a fresh data folder.
   */
  defaultSignup?: SignupMode
  /** Per-member budgets for commits, resets and reports; each one left out keeps its default (recovery-limits.ts). */
  recoveryLimits?: Partial<RecoveryLimitSettings>
  /** Where attachment ciphertext is kept (`candor serve`: a folder under --data, or PostgreSQL). */
  blobs?: BlobStore
  /** Each user's attachment quota in bytes (default LIMITS.blobQuotaBytes). */
  blobQuotaBytes?: number
  /** How long an upload may stay incomplete (default LIMITS.blobUploadTtlMs). */
  blobUploadTtlMs?: number
  /** How long a completed attachment stays at most, fetched or not (default LIMITS.blobRetentionMs, 30 days; docs/protocol.md §2.4). */
  blobRetentionMs?: number
  /** How often abandoned uploads, expired or fully fetched blobs and blobs of memberless groups are deleted (default 60 s). */
  blobSweepMs?: number
  /** What the group-state sweep keeps (docs/protocol.md §5.9); each setting left out keeps its default (mls/group-state-sweep.ts). */
  groupState?: Partial<GroupStateSettings>
  /** How often group state nobody can need is deleted (default 10 minutes). */
  groupStateSweepMs?: number
  /**
   * The URL people and identity providers reach this server at (SSO redirect and back-channel
   * logout URIs are under it). Default: the address it listens on.
   */
  publicUrl?: string
  /** Accept http:// identity providers (tests on loopback). Never in production. */
  ssoAllowInsecureIssuers?: boolean
  /** Bounds on messages held for contact requests; each one left out keeps its default (LIMITS.heldPer*). */
  contactLimits?: Partial<HoldLimits>
  /**
   * How often the organisation policies that act with time run (devices unseen too long, guests
   * whose access ended; organisations/devices/org-policy-sweep.ts). Default 15 minutes.
   */
  orgSweepMs?: number
  /** Base of the SIEM stream's retry backoff (default 1 s; tests shorten it). */
  siemBackoffMs?: number
  /**
   * Web Push wake-ups (push/push-waker.ts); each setting left out keeps its default. The VAPID
   * subject defaults to the public URL when it is https, else mailto:postmaster@<its host>.
   */
  webPush?: Partial<PushSettings>
}

export interface CandorServer {
  readonly url: string
  readonly port: number
  readonly app: FastifyInstance
  readonly context: AppContext
  /** Where metrics are served, when asked for (ServerOptions.metrics). */
  readonly metricsUrl: string | undefined
  /**
   * Every HTTP route this node serves, as `METHOD /path` the way it was registered (HEAD routes
   * Fastify adds for GETs left out): what the authorisation matrix walks.
   */
  readonly routes: readonly string[]
  /** Deletes abandoned uploads and blobs of memberless groups now (the timer does it too); null without a blob store. */
  readonly blobSweep: BlobSweep | null
  /** Deletes group state nobody can need now (the timer does it too; docs/protocol.md §5.9). */
  readonly groupStateSweep: GroupStateSweep
  close(): Promise<void>
}

export async function createServer(opts: ServerOptions): Promise<CandorServer> {
  const log: Logger = createLogger(opts.logLevel ?? 'info', opts.logDestination)
  const bus = opts.bus ?? new InProcessBus()
  const metrics = new Metrics(true)
  const accessClock = opts.accessClock ?? Date.now
  const timeouts: ServerTimeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts }
  let listeningUrl = ''
  const secrets = ssoSecrets(opts.keys)
  const directory = await DirectoryService.open(
    opts.store,
    log,
    opts.directoryOrigin ?? 'candor/directory',
    { signingKey: opts.keys.directorySigningKey, vrfKey: opts.keys.directoryVrfKey },
    new ReceiptCommitments(opts.store, receiptsSaltKey(opts.keys), accessClock),
    opts.witnesses ?? [],
  )
  const notifyUser: NotifyUser = (userId, notice) => {
    const frame = encodeNotice(notice)
    opts.store.listDevices(userId).then(
      (devices) => bus.publish(devices.filter((d) => d.status === 'active').map((d) => ({ deviceId: d.deviceId, seq: 0, frame }))),
      (err: unknown) => log.error({ err }, 'notifying a user failed'),
    )
  }
  const accessLog = await AccessLog.open(opts.store, opts.accessLogOrigin ?? 'candor/access-log', opts.keys.accessLogSigningKey)
  const audit = new OrgAuditLog(opts.store, opts.keys.accessLogSigningKey, accessLog.publicKey, log, accessClock)
  const siem = new SiemStream(opts.store, log, opts.siemBackoffMs)
  audit.onEntry((org, index, entry) => siem.send(org, index, entry))
  const policies = new OrgPolicies(opts.store, audit, accessClock)
  const ctx: AppContext = {
    store: opts.store,
    bus,
    tokens: new TokenIssuer(opts.keys.tokenKeys),
    sessions: new Sessions(bus, log),
    log,
    delivery: new DeliveryService(opts.store, bus, metrics, log),
    roster: new GroupRoster(opts.store, bus),
    sendLimiter: new RateLimiter(LIMITS.sendRatePerSecond, LIMITS.sendBurst),
    httpLimiter: new RateLimiter(opts.httpRatePerSecond ?? 200, (opts.httpRatePerSecond ?? 200) * 4),
    recoveryLimits: new RecoveryLimits(opts.recoveryLimits),
    enrolments: new EnrolmentLimits(opts.enrolmentClock),
    claims: new KeyPackageClaims(),
    metrics,
    directory,
    access: AccessGate.open(
      opts.store,
      accessLog,
      log,
      opts.keys.accessPseudonymKey,
      { publish: (subject) => directory.publishReceipts(subject), now: accessClock },
    ),
    admins: Admins.open(opts.store, opts.keys.adminEnrolmentSecret),
    retention: opts.retentionPolicy ?? DEFAULT_RETENTION_POLICY,
    blobs: opts.blobs,
    blobPolicy: {
      quotaBytes: opts.blobQuotaBytes ?? LIMITS.blobQuotaBytes,
      uploadTtlMs: opts.blobUploadTtlMs ?? LIMITS.blobUploadTtlMs,
      retentionMs: opts.blobRetentionMs ?? LIMITS.blobRetentionMs,
    },
    sso: {
      secrets,
      rp: new RelyingParty({ publicUrl: () => (opts.publicUrl ?? listeningUrl).replace(/\/$/, ''), allowInsecureIssuers: opts.ssoAllowInsecureIssuers ?? false, secrets, log }),
    },
    contacts: new ContactGate(opts.store, bus, log, notifyUser, opts.contactLimits),
    notifyUser,
    audit,
    siem,
    policies,
    approvals: new Approvals(opts.store, policies, accessClock),
    mlsSender: serverSenderKeys(opts.keys),
  }
  if (opts.defaultSignup !== undefined) await opts.store.setSignup(DEFAULT_ORG_ID, opts.defaultSignup)
  const pushSettings: PushSettings = {
    ...DEFAULT_PUSH_SETTINGS,
    subject: opts.publicUrl?.startsWith('https://') ? opts.publicUrl : `mailto:postmaster@${opts.publicUrl ? new URL(opts.publicUrl).hostname : 'candor.invalid'}`,
    ...opts.webPush,
  }
  const pushWaker = new PushWaker(opts.store, log, webPushVapidKeys(opts.keys), pushSettings)
  ctx.delivery.onPublished = (d) => pushWaker.queued(d)
  directory.onDueReceipts = (subjects) => void noticeDueHolds(ctx, subjects).catch((err: unknown) => log.error({ err }, 'legal-hold notices failed'))
  await checkServedKeys(opts.store, {
    directorySigning: ctx.directory.directory.signingPublicKey,
    directoryVrf: ctx.directory.directory.vrfPublicKey,
    accessLogSigning: ctx.access.log.publicKey,
  })

  // Fastify bundles its own pino typings; ours is the same logger at run time.
  const app: FastifyInstance = Fastify({
    loggerInstance: log as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: LIMITS.httpBodyBytes,
    // A user id in a path may be 254 characters, each percent-encoded at worst (Fastify's
    // default of 100 answered 414 for long local@domain ids, so nobody could look them up).
    routerOptions: { maxParamLength: 3 * USER_ID_MAX_LENGTH },
    // A client that trickles its headers (slow-loris) or its body is cut, not waited for.
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: timeouts.checkIntervalMs },
  }) as unknown as FastifyInstance
  const routes: string[] = []
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push(`${m} ${r.url}`)
  })
  app.addHook('onRequest', async (req) => {
    if (!ctx.httpLimiter.take(req.ip)) throw new CandorError('rate_limited', 'too many requests')
  })
  app.setErrorHandler((err, _req, reply) => {
    const e = toCandorError(err, log)
    metrics.rejected.inc({ code: e.code })
    const wait = e.details?.retryAfterMs
    if (typeof wait === 'number') void reply.header('retry-after', String(Math.max(1, Math.ceil(wait / 1000))))
    void reply.code(e.status).send(errorBody(e))
  })
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).send(errorBody(toCandorError({ statusCode: 404 }, log)))
  })

  accountsRoutes(app, ctx)
  enrolmentRoutes(app, ctx)
  devicesRoutes(app, ctx)
  keyPackagesRoutes(app, ctx)
  groupsRoutes(app, ctx)
  accountGroupsRoutes(app, ctx)
  groupCommitsRoutes(app, ctx)
  recoveryRoutes(app, ctx)
  directoryRoutes(app, ctx, opts.directoryLookupRate ?? { perSecond: opts.httpRatePerSecond ?? 200 })
  accountDataRoutes(app, ctx)
  adminRoutes(app, ctx)
  organisationRoutes(app, ctx)
  scimTokenRoutes(app, ctx)
  scimRoutes(app, ctx)
  ssoRoutes(app, ctx)
  consentRoutes(app, ctx)
  retentionRoutes(app, ctx)
  blobRoutes(app, ctx)
  inviteRoutes(app, ctx)
  archiveRoutes(app, ctx)
  accountRecoveryRoutes(app, ctx)
  requestRoutes(app, ctx)
  auditRoutes(app, ctx)
  policyRoutes(app, ctx)
  policyVersionRoutes(app, ctx)
  approvalDeclineRoute(app, ctx)
  approvalRoutes(app, ctx)
  complianceKeyRoutes(app, ctx)
  complianceUnlockRoutes(app, ctx)
  legalHoldRoutes(app, ctx)
  directoryLinkRoutes(app, ctx)
  archiveErasureRoutes(app, ctx)
  peopleRoutes(app, ctx)
  pushRoutes(app, ctx, pushWaker, pushSettings.allowHttpEndpoints)
  mlsSenderRoutes(app, ctx)
  heldDeviceRoutes(app, ctx)
  dataRightsRoutes(app, ctx)
  app.get('/healthz', async () => ({ ok: true }))
  if (opts.webRoot && existsSync(opts.webRoot)) {
    await webAssets(app, opts.webRoot)
  }

  // Disappearing messages: past-timer ciphertext goes, delivered or not, and then also the
  // older page images of it the engine keeps (SQLite's WAL), so the files hold no copy.
  const sweeper = setInterval(() => {
    opts.store
      .expireMessages(Date.now())
      .then((n) => (n > 0 ? opts.store.purgeDeleted() : undefined))
      .catch((err: unknown) => log.error({ err }, 'retention sweep failed'))
  }, opts.retentionSweepMs ?? 5_000)
  sweeper.unref()
  // Delayed notices are committed to their subjects' directory entries on their date, not when
  // logged; the store says whose are due, so a restart or another node picks them up.
  const receiptSweeper = setInterval(() => {
    directory.publishDueReceipts().catch((err: unknown) => log.error({ err }, 'receipt commitment sweep failed'))
    // Device changes whose publication failed or was cut short by a crash (of any node).
    directory.applyBacklog().catch((err: unknown) => log.error({ err }, 'directory backlog sweep failed'))
  }, opts.receiptSweepMs ?? 5_000)
  receiptSweeper.unref()
  const blobSweep = opts.blobs ? new BlobSweep(opts.store, opts.blobs, ctx.blobPolicy.uploadTtlMs, log) : null
  const blobSweeper = setInterval(() => {
    blobSweep?.run().catch((err: unknown) => log.error({ err }, 'blob sweep failed'))
  }, opts.blobSweepMs ?? 60_000)
  blobSweeper.unref()
  const groupStateSweep = new GroupStateSweep(opts.store, log, opts.groupState)
  const groupStateSweeper = setInterval(() => {
    groupStateSweep.run().catch((err: unknown) => log.error({ err }, 'group state sweep failed'))
  }, opts.groupStateSweepMs ?? 10 * 60_000)
  groupStateSweeper.unref()
  const orgSweeper = setInterval(() => {
    sweepOrgPolicies(ctx).catch((err: unknown) => log.error({ err }, 'organisation policy sweep failed'))
  }, opts.orgSweepMs ?? DEFAULT_ORG_SWEEP_MS)
  orgSweeper.unref()

  // A node restart or a network blip makes every device reconnect at once: Node's default accept
  // backlog (511) overflows, and dropped handshakes wait out 1 s, 2 s, … retransmits or are reset.
  // The kernel caps this at net.core.somaxconn.
  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0, backlog: LISTEN_BACKLOG })
  const gateway = new WebSocketGateway(app.server, ctx, timeouts.wsAuthMs)
  let metricsListener: MetricsListener | undefined
  try {
    if (opts.metrics) metricsListener = await listenForMetrics(metrics, opts.metrics.host ?? '127.0.0.1', opts.metrics.port, timeouts)
  } catch (e) {
    await gateway.close()
    await app.close()
    throw e
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0)
  const host = opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1'
  listeningUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  return {
    url: listeningUrl,
    port,
    app,
    context: ctx,
    metricsUrl: metricsListener?.url,
    routes,
    blobSweep,
    groupStateSweep,
    async close() {
      await metricsListener?.close()
      clearInterval(sweeper)
      clearInterval(receiptSweeper)
      clearInterval(blobSweeper)
      clearInterval(groupStateSweeper)
      clearInterval(orgSweeper)
      pushWaker.close()
      ctx.sso.rp.close()
      await siem.close()
      await gateway.close()
      await app.close()
      await bus.close()
    },
  }
}

// Size limits every boundary enforces before parsing.
export const LIMITS = {
  /** Largest HTTP JSON body (a commit with a welcome for a large group). */
  httpBodyBytes: 4 * 1024 * 1024,
  /** Largest WebSocket frame from a client. */
  wsFrameBytes: 256 * 1024,
  /** Largest application message payload (MLS PrivateMessage). */
  messageBytes: 128 * 1024,
  /** Largest ephemeral payload (a sealed typing indicator, docs/protocol.md §6). */
  ephemeralBytes: 4 * 1024,
  /** Largest MLS handshake message (commit/welcome) carried over HTTP, decoded. */
  handshakeBytes: 2 * 1024 * 1024,
  keyPackageBytes: 4 * 1024,
  keyPackagesPerUpload: 200,
  /** One-time key packages a device may hold on the server. */
  keyPackagesPerDevice: 500,
  groupMembers: 1000,
  /**
   * Devices in a group of the post-quantum suite (docs/protocol.md §5.0): its tree is ≈ 6× larger,
   * and a commit's body (commit, Welcome and GroupInfo with the tree) must stay within
   * httpBodyBytes; measured in packages/crypto/bench/pq-sizes.ts (docs/limits.md).
   */
  pqGroupMembers: 400,
  /** Devices a client adds by one commit in a post-quantum group; a larger add is several commits. */
  pqAddsPerCommit: 100,
  /** Active devices of one user; pending enrolment requests do not count. */
  devicesPerUser: 20,
  /** An enrolment request not approved within this time is gone (docs/protocol.md §4.1). */
  enrolmentTtlMs: 10 * 60 * 1000,
  /** Pending enrolment requests of one user; a further one drops the oldest. */
  pendingEnrolmentsPerUser: 3,
  /**
   * Enrolment requests (filed without a session) per client address and per target user, each
   * a token bucket of this many refilled evenly over enrolmentWindowMs, per server node.
   */
  enrolmentsPerAddress: 5,
  enrolmentsPerUser: 10,
  enrolmentWindowMs: 10 * 60 * 1000,
  /**
   * Key-package claims (docs/limits.md), per server node: one user may claim another user's
   * packages this many times per window (a token bucket refilled evenly over it; beyond it
   * `rate_limited` with `retryAfterMs`); and at most this many one-time packages of one user
   * are handed out per window to everyone together, after which claims get the device's
   * last-resort package (never consumed), so the user can still be added.
   */
  keyPackageClaimsPerPair: 10,
  keyPackageOneTimePerTarget: 20,
  keyPackageClaimWindowMs: 60 * 60 * 1000,
  /** Messages a device may send per second (token bucket refill) and burst. */
  sendRatePerSecond: 2000,
  sendBurst: 4000,
  /** Delivery window: unacknowledged messages pushed to one connection at most. */
  deliveryWindow: 512,
  /** Session tokens live this long. */
  sessionTtlMs: 60 * 60 * 1000,
  challengeTtlMs: 2 * 60 * 1000,
  /** Longest session token (what an `auth` frame may carry). */
  sessionTokenBytes: 512,
  /**
   * Attachment blobs (docs/protocol.md §2.4): the largest blob a device may declare (a 100 MiB
   * file with its chunk framing, 16 bytes per chunk, and room for small chunk sizes)…
   */
  blobBytes: 101 * 1024 * 1024,
  /** …the most one `PUT /v1/blobs/:blobId` request may carry… */
  blobRequestBytes: 4 * 1024 * 1024,
  /** …what one user's bound blobs may hold together by default (a server sets its own)… */
  blobQuotaBytes: 1024 * 1024 * 1024,
  /** …and how long an upload may stay incomplete before the server deletes it. */
  blobUploadTtlMs: 24 * 60 * 60 * 1000,
  /** How long a completed attachment stays on the server at most, fetched or not (a server or an organisation's policy sets less). */
  blobRetentionMs: 30 * 24 * 60 * 60 * 1000,
  /** Invite links: how often one may be used at most, how long it may live, how many live ones a person may hold. */
  inviteMaxUses: 100,
  inviteMaxSeconds: 30 * 24 * 60 * 60,
  invitesPerUser: 50,
  /** The largest sealed history archive (a transfer to a new device, or the backup; docs/protocol.md §4.2). */
  archiveBytes: 256 * 1024 * 1024,
  /**
   * Consent to be contacted (docs/limits.md, docs/protocol.md §5.5): messages held for one
   * pending contact request (its welcome not counted), held for the requests one sender has
   * pending, and held for the requests one recipient has pending (these two count welcomes).
   * Beyond them: `quota_exceeded`, and nothing is stored.
   */
  heldPerRequest: 20,
  heldPerSender: 200,
  heldPerRecipient: 500,
} as const

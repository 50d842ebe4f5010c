export { createServer, type CandorServer, type ServerOptions } from './server.ts'
export { DEFAULT_TIMEOUTS, SOCKET_BUDGETS, type ServerTimeouts } from './server-limits.ts'
export { DEFAULT_RECOVERY_LIMITS, type RecoveryLimitSettings } from './recovery-limits.ts'
export { createLogger, REDACTED_FIELDS } from './logger.ts'
export type { Store, Bus, BlobStore } from '@candor/ports'
export { InProcessBus } from './delivery/in-process-bus.ts'
export {
  LEGACY_TOKEN_KEY_ID,
  SERVER_KEY_FILE_VERSION,
  addTokenKey,
  dropOldTokenKeys,
  generateServerKeyFile,
  generateServerKeys,
  legacyConflicts,
  parseServerKeyFile,
  serverKeyFileFromLegacy,
  serverKeysOf,
  signingTokenKey,
  webPushVapidKeys,
  type ServerKeyFile,
  type ServerKeys,
  type TokenKey,
  type TokenKeyEntry,
} from './keys/server-keys.ts'
export { PERMISSIONS, ROLE_PERMISSIONS, type Permission } from './organisations/roles.ts'
export { sweepOrgPolicies, type SweepResult } from './organisations/devices/org-policy-sweep.ts'
export { GROUP_STATE_DEFAULTS, GroupStateSweep, type GroupStateSettings } from './mls/group-state-sweep.ts'

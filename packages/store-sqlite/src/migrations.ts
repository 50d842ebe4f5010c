// Numbered schema migrations; applied in order, each once, recorded in user_version (the
// number of steps a database has run). Each step's SQL lives with its area in migrations/;
// this list is their one order: append only, never reorder, edit or drop a step.
import { initialSchema } from './migrations/initial.ts'
import { accessLog, administrators, consentLedger, retentionTimers, accessReceiptTallies } from './migrations/data-ownership.ts'
import { inlineQueueRows, queueClusteredByDevice, recentSends, dedupByRecentSends, recentSendsLog } from './migrations/queue.ts'
import { enrolmentRequests, erasedUserIdsAndDirectoryBacklog, recoveryKeysAndArchives, pushSubscriptions, revokedMemberships, deviceLastSeenDay, keyPackageSuites } from './migrations/accounts.ts'
import { groupCommits, groupResets, groupInfo } from './migrations/groups.ts'
import { witnessCosignatures, directoryTombstones } from './migrations/directory.ts'
import { organisations, scimProvisioning, singleSignOn, directoryLinks } from './migrations/organisations.ts'
import { orgGovernance, compliance, withdrawnApprovals } from './migrations/governance.ts'
import { contactConsent, inviteLinks } from './migrations/contacts.ts'
import { blobBindings, attachmentLifecycle } from './migrations/attachments.ts'

export const MIGRATIONS: readonly string[] = [
  initialSchema, // user_version 1
  accessLog, // user_version 2
  administrators, // user_version 3
  consentLedger, // user_version 4
  retentionTimers, // user_version 5
  inlineQueueRows, // user_version 6
  queueClusteredByDevice, // user_version 7
  accessReceiptTallies, // user_version 8
  enrolmentRequests, // user_version 9
  witnessCosignatures, // user_version 10
  groupCommits, // user_version 11
  erasedUserIdsAndDirectoryBacklog, // user_version 12
  recentSends, // user_version 13
  organisations, // user_version 14
  groupResets, // user_version 15
  scimProvisioning, // user_version 16
  blobBindings, // user_version 17
  singleSignOn, // user_version 18
  groupInfo, // user_version 19
  contactConsent, // user_version 20
  recoveryKeysAndArchives, // user_version 21
  orgGovernance, // user_version 22
  pushSubscriptions, // user_version 23
  compliance, // user_version 24
  attachmentLifecycle, // user_version 25
  inviteLinks, // user_version 26
  revokedMemberships, // user_version 27
  deviceLastSeenDay, // user_version 28
  keyPackageSuites, // user_version 29
  dedupByRecentSends, // user_version 30
  recentSendsLog, // user_version 31
  directoryLinks, // user_version 32
  directoryTombstones, // user_version 33
  withdrawnApprovals, // user_version 34
]

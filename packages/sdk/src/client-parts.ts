// The parts of one CandorClient and how they are wired together (what the client's constructor
// did inline): the key directory and its checkpoints, MLS configuration and authentication,
// conversations, messaging, group changes, data ownership, archives, features, recovery,
// attachments, people, timers and approving devices. The client keeps each part and delegates to it.
import type { ConsentPurpose } from '@candor/protocol'
import {
  DirectoryAuthenticationService,
  clientConfigWith,
  withServerSender,
  type GroupState,
  leaves,
  type AuthenticationFor,
  type MlsConfig,
  CLASSIC_SUITE,
  type MlsSuites,
} from '@candor/crypto'
import { fromBase64Url } from '@candor/protocol'
import type { ApiClient } from './api-client.ts'
import type { CandorClient } from './client.ts'
import type { ClientEvents, ClientOptions } from './client-types.ts'
import type { Connection } from './connection.ts'
import { Conversations } from './conversations.ts'
import { DeliveryFailures } from './delivery-failures.ts'
import { DeviceDirectory } from './directory.ts'
import { PastDirectory } from './past-directory.ts'
import { commitAuthentication, welcomeAuthentication } from './handshake-authentication.ts'
import { CheckpointTracker } from './checkpoint-tracker.ts'
import type { Identity } from './identity.ts'
import { KeyPackages } from './key-packages.ts'
import { SerialLock } from './serial-lock.ts'
import { GroupChanges } from './group-changes.ts'
import { unvalidatedReset } from './unvalidated-reset.ts'
import { Undecryptables } from './undecryptable.ts'
import { Messaging } from './messaging.ts'
import { ServerRemovals } from './server-removals.ts'
import { Recovery } from './recovery.ts'
import { Rejoin } from './rejoin.ts'
import { NewDeviceJoins } from './rejoin-as-new-device.ts'
import { OwnDevices } from './own-devices.ts'
import { PendingCommits } from './pending-commits.ts'
import { DataApi } from './data/data-api.ts'
import { ContactRequests } from './contact-requests.ts'
import { DataOwnership } from './data/ownership.ts'
import { ComplianceArchives } from './data/archives.ts'
import { ArchiveKeyCheck } from './data/archive-key-check.ts'
import { ArchiveMembers } from './data/archive-member.ts'
import { ArchiveApi } from './archive-api.ts'
import { DisappearingTimer } from './data/disappearing-timer.ts'
import { accessLogView, directoryView } from './split-view-logs.ts'
import { SplitViewMonitor } from './split-view-monitor.ts'
import { Attachments } from './attachments.ts'
import { BlobTransfer } from './blob-transfer.ts'
import { HistoryArchives } from './history-archives.ts'
import { AccountRecovery } from './account-recovery.ts'
import { Profiles } from './profiles.ts'
import { Avatars } from './avatars.ts'
import { MessageFeatures } from './message-features.ts'
import { Typing } from './typing.ts'
import { ConversationFeatures } from './conversation-features.ts'
import { DeviceApprovals } from './device-approvals.ts'
import { HeldHistory } from './held-history.ts'

/** What the parts need of the client itself: its events and public calls, and its delivery connection. */
export interface ClientHost {
  client: CandorClient
  /** The delivery connection, while there is one. */
  connection(): Connection | undefined
  /** Resolves once the deliveries queued so far are processed. */
  idle(): Promise<void>
}

export interface ClientParts {
  config: MlsConfig
  authentication: { commit: AuthenticationFor; welcome: AuthenticationFor }
  directory: DeviceDirectory
  keyPackages: KeyPackages
  conversations: Conversations
  lock: SerialLock
  devices: OwnDevices
  messaging: Messaging
  data: DataOwnership
  requests: ContactRequests
  archives: ComplianceArchives
  archiveMembers: ArchiveMembers
  archive: ArchiveApi
  timer: DisappearingTimer
  splitViews: SplitViewMonitor
  failures: DeliveryFailures
  undecryptable: Undecryptables
  pending: PendingCommits
  recovery: Recovery
  rejoin: Rejoin
  newDeviceJoins: NewDeviceJoins
  attachments: Attachments
  profiles: Profiles
  avatars: Avatars
  features: MessageFeatures
  serverRemovals: ServerRemovals
  typing: Typing
  conversationFeatures: ConversationFeatures
  history: HistoryArchives
  accountRecovery: AccountRecovery
  approvals: DeviceApprovals
}

/** Makes and wires every part of a client (`opts.store` already wrapped by the client). */
export function wireClientParts(host: ClientHost, opts: ClientOptions, api: ApiClient, identity: Identity, suites: MlsSuites): ClientParts {
  // Receipts and history archives are sealed with suite 1's HPKE (docs/protocol.md §4.2, §4.4), whatever the groups use.
  const suite = suites[CLASSIC_SUITE]
  const client = host.client
  const emit = <K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void => client.emit(event, e)
  const checkpoints = new CheckpointTracker(api, opts.store, opts.directory ?? {})
  const directory = new DeviceDirectory(api, checkpoints)
  // The server's external-sender credential is accepted when the pinned access-log key vouches for it (server-removals.ts).
  let removals: ServerRemovals | undefined
  const config = clientConfigWith(withServerSender(new DirectoryAuthenticationService((u, d) => directory.keyOf(u, d)), async () => (removals ? removals.pinnedKey() : null)))
  const past = new PastDirectory(api, checkpoints)
  const authentication = { commit: commitAuthentication(config.authService, past), welcome: welcomeAuthentication(config.authService, past) }
  const keyPackages = new KeyPackages(opts.store, api, suites, identity)
  const conversations = new Conversations(opts.store, config, opts.searchIndex)
  const lock = new SerialLock()
  const idle = (): Promise<void> => host.idle()
  const pending = new PendingCommits({ store: opts.store, api, conversations, config, emit })
  const withHeld = async (groupId: string, state: GroupState): Promise<GroupState> => (removals ? removals.withHeld(groupId, state) : state)
  const dropHeld = async (groupId: string): Promise<void> => removals?.drop(groupId)
  // Bound once Recovery and Messaging exist (below); called only when a commit is refused.
  const resetUnvalidated = unvalidatedReset({
    reset: (groupId, leaveOut, reason) => recovery.reset(groupId, leaveOut, reason),
    movedFrom: (groupId, refused) => messaging.movedFrom(groupId, refused),
  })
  const groups = new GroupChanges({ api, suites, directory, conversations, lock, userId: identity.userId, emit, idle, pending, withHeld, dropHeld, resetUnvalidated })
  const data = new DataApi(api)
  const requests = new ContactRequests(data)
  const ownership = new DataOwnership({ api, data, store: opts.store, accessLogKey: opts.accessLogKey, identity, suite, directory, conversations, client, emit })
  const splitViews = new SplitViewMonitor({
    logs: [directoryView(api, checkpoints), accessLogView(data, ownership.accessLogTracker())],
    store: opts.store,
    alert: (a) => emit('alert', a),
    error: (where, error) => emit('error', { where, error }),
  })
  const consent = (purpose: ConsentPurpose) => (scope: string, state: 'given' | 'withdrawn') => client.consent(purpose, scope, state)
  const archives = new ComplianceArchives({ conversations, events: client, consent: consent('compliance_archive') })
  const devices = new OwnDevices({ api, identity, directory, conversations, groups, consent: consent('device_enrolment'), emit })
  const connection = () => host.connection()
  const seen = () => splitViews.seen()
  const attachments = new Attachments(new BlobTransfer(api))
  const membersOf = async (conversation: string): Promise<string[]> => {
    const c = conversations.get(conversations.groupOf(conversation))
    return c ? [...new Set(leaves(c.state).map((l) => l.userId))].sort() : conversations.importedMembers(conversation)
  }
  const history = new HistoryArchives({ api, suite, identity, conversations, directory, membersOf })
  const accountRecovery = new AccountRecovery({ api, identity, directory, history })
  // History asked for devices held for an admin's approval is sent once approved (held-history.ts).
  const approvals = new DeviceApprovals({ devices, directory, history, held: new HeldHistory(opts.store), userId: identity.userId, consent: (scope) => client.consent('history_transfer', scope, 'given'), emit })
  const failures = new DeliveryFailures(opts.store)
  // Made next; the closure reads it only when sending.
  let members: ArchiveMembers | undefined
  const messaging = new Messaging({ api, suites, config, lock, me: identity, conversations, groups, keyPackages, directory, archives, failures, connection, seen, emit, serverSender: () => removals!.sender(), beforeSend: (g) => members!.checkSend(g) })
  const archiveKeyCheck = new ArchiveKeyCheck((org, version) => client.compliance.archiveKey(org, version))
  const archiveMembers = (members = new ArchiveMembers({
    conversations,
    directory,
    me: identity,
    policy: () => ownership.policy(),
    ledger: () => client.consentLedger(),
    add: (g, users) => client.addMembers(conversations.conversationOf(g), users),
    archiveKey: (org, key) => archiveKeyCheck.check(org, key),
  }))
  const archive = new ArchiveApi({
    members: archiveMembers,
    conversations,
    directory,
    groups,
    events: client,
    group: (c) => conversations.groupOf(c),
    sendContent: (g, content) => messaging.sendContent(g, content),
    consent: (g, state) => client.consent('compliance_archive', g, state),
    auto: opts.archiveAuto ?? true,
  })
  const features = new MessageFeatures({
    store: opts.store,
    conversations,
    me: identity,
    // Edits, deletes, reactions and receipts survive a reset racing them as texts do.
    send: async (group, content) => (await messaging.sendAcrossReset(group, content)).sentAt,
    sendText: (group, text, extra) => messaging.send(group, text, [], extra),
    connected: () => connection() !== undefined,
    emit,
    receipts: opts.receipts,
  })
  const serverRemovals = (removals = new ServerRemovals({
    api,
    store: opts.store,
    suites,
    directory,
    conversations,
    accessLogKey: () => ownership.accessLogTracker().pinnedKey(),
    commitHeld: (groupId) => groups.commit(groupId, async () => ({ add: [], removeDevices: [] })),
    membersChanged: (groupId, removed) => features.membersChanged(groupId, [], removed),
    emit,
  }))
  const serverSender = () => removals!.sender()
  const typing = new Typing({ suites, conversations, me: identity, connection, emit })
  const conversationFeatures = new ConversationFeatures(features, typing, (c) => conversations.groupOf(c), (g) => conversations.conversationOf(g))
  // A disappearing message's edits and reactions disappear with it.
  client.on('expired', (e) => void features.states.forget(e.ids).catch((error: unknown) => emit('error', { where: 'forgetting expired message state', error })))
  const rejoin = new Rejoin({ api, suites, config, lock, me: identity, conversations, keyPackages, emit })
  const newDeviceJoins = new NewDeviceJoins({
    api,
    suites,
    config,
    lock,
    me: identity,
    conversations,
    keyPackages,
    groups,
    directory,
    emit,
    onJoin: (groupId) => {
      profiles.announceLater(groupId)
      void timer.learn(groupId).catch((error: unknown) => emit('error', { where: 'learning the disappearing timer', error }))
    },
  })
  const recovery = new Recovery({
    api,
    suites,
    config,
    lock,
    me: identity,
    conversations,
    groups,
    keyPackages,
    emit,
    rejoin,
    serverSender,
    send: (groupId, content, messageId) => messaging.sendContent(groupId, content, messageId),
  })
  const avatars = new Avatars({
    store: opts.store,
    userId: identity.userId,
    upload: (groupId, a) => attachments.upload(groupId, { name: 'avatar', type: a.mediaType, bytes: fromBase64Url(a.data)!, thumbnail: a.thumbnail }),
    changed: (userId) => emit('avatar', { userId }),
  })
  const profiles = new Profiles({
    avatars,
    store: opts.store,
    data,
    conversations,
    userId: identity.userId,
    send: (groupId, content) => messaging.sendContent(groupId, content),
    error: (where, error) => emit('error', { where, error }),
    changed: (userId, displayName) => emit('profile', { userId, displayName }),
  })
  const undecryptable = new Undecryptables({
    store: opts.store,
    conversations,
    failures,
    me: identity,
    emit,
    send: (conversation, content) => messaging.sendContent(conversation, content),
  })
  const timer = new DisappearingTimer({
    data,
    conversations,
    lock,
    me: identity,
    sweepMs: opts.expirySweepMs ?? 1_000,
    emit,
    connected: () => connection() !== undefined,
    send: (conversation, content) => messaging.sendContent(conversation, content),
  })
  return {
    config,
    authentication,
    directory,
    keyPackages,
    conversations,
    lock,
    devices,
    messaging,
    data: ownership,
    requests,
    archives,
    archiveMembers,
    archive,
    timer,
    splitViews,
    failures,
    undecryptable,
    pending,
    recovery,
    rejoin,
    newDeviceJoins,
    attachments,
    profiles,
    avatars,
    features,
    serverRemovals,
    typing,
    conversationFeatures,
    history,
    accountRecovery,
    approvals,
  }
}

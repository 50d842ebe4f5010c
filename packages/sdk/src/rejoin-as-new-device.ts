// A new device of a person — recovered with the recovery key or a passkey, their old devices
// revoked — continues the person's conversations (docs/protocol.md §5.2, "A recovered device
// takes its old device's place"). It asks the server which groups the person is in
// (`GET /v1/account/groups`), takes each group's GroupInfo, judges every leaf of its tree against
// the key directory as it is now (as a rejoin does: the server's tree is never taken on trust),
// and joins by an external commit that removes one old leaf of the person's whose device is no
// longer active. Further old leaves of theirs are then removed by an ordinary commit. The history
// came from the backup; new messages flow both ways from here on.
import { CandorError, fromBase64Url, newMessageId, toBase64Url, type AccountGroupsResponse } from '@candor/protocol'
import { isOurSuite, joinReplacingLeaf, leaves, loadPublicGroup, treeLeaves, type MlsConfig, type MlsSuites } from '@candor/crypto'
import type { ApiClient } from './api-client.ts'
import type { ClientEvents } from './client-types.ts'
import type { Conversations } from './conversations.ts'
import type { MessageRecord } from './message-record.ts'
import { isTransient } from './delivery-failure.ts'
import type { DeviceDirectory } from './directory.ts'
import type { GroupChanges } from './group-changes.ts'
import type { KeyPackages } from './key-packages.ts'
import type { SerialLock } from './serial-lock.ts'

/** Tries per group when another commit takes the epoch first (`stale_epoch`). */
const JOIN_TRIES = 3

export const JOINED_ON_NEW_DEVICE_TEXT = 'You joined on this device; earlier messages came from your backup.'

export interface NewDeviceJoinDeps {
  api: ApiClient
  suites: MlsSuites
  /** Its authentication service judges every credential against the directory as it is now. */
  config: MlsConfig
  lock: SerialLock
  me: { userId: string; deviceId: string }
  conversations: Conversations
  keyPackages: KeyPackages
  groups: GroupChanges
  directory: DeviceDirectory
  emit<K extends keyof ClientEvents>(event: K, e: ClientEvents[K]): void
  /** A group this device joined (profile announcement, the timer). */
  onJoin(groupId: string): void
}

export interface JoinedConversations {
  /** Conversations this device joined now. */
  joined: string[]
  /** Conversations it holds already. */
  held: string[]
  /** Conversations it could not join, and why. */
  failed: Array<{ conversation: string; code: string; message: string }>
}

type AccountGroup = AccountGroupsResponse['groups'][number]

export class NewDeviceJoins {
  readonly #d: NewDeviceJoinDeps

  constructor(deps: NewDeviceJoinDeps) {
    this.#d = deps
  }

  /** Joins every group of the person this device does not hold; each failure is reported, not thrown. */
  async joinAll(): Promise<JoinedConversations> {
    const { api, conversations, me } = this.#d
    const out: JoinedConversations = { joined: [], held: [], failed: [] }
    const { groups } = await api.authedJson<AccountGroupsResponse>('GET', '/v1/account/groups')
    const active = new Set((await api.myDevices()).devices.filter((d) => d.status === 'active').map((d) => d.deviceId))
    for (const g of groups) {
      if (conversations.get(g.groupId)?.meta.status === 'active') {
        out.held.push(g.conversationId)
        continue
      }
      try {
        await this.#d.lock.run(() => this.#join(g, active))
        out.joined.push(g.conversationId)
        this.#d.onJoin(g.groupId)
      } catch (error) {
        this.#d.emit('error', { where: `joining conversation ${g.conversationId} on this new device`, error })
        out.failed.push({ conversation: g.conversationId, code: error instanceof CandorError ? error.code : 'internal', message: error instanceof Error ? error.message : String(error) })
        continue
      }
      // More than one old device: the others go by an ordinary commit of this device's.
      const stale = leaves(conversations.get(g.groupId)!.state).filter((l) => l.userId === me.userId && l.deviceId !== me.deviceId && !active.has(l.deviceId))
      if (stale.length > 0) {
        await this.#d.groups.commit(g.groupId, async () => ({ add: [], removeDevices: stale.map((l) => l.deviceId) })).catch((error: unknown) => {
          this.#d.emit('error', { where: `removing old devices of yours from conversation ${g.conversationId}`, error })
        })
      }
    }
    return out
  }

  async #join(g: AccountGroup, active: ReadonlySet<string>): Promise<void> {
    const { api, conversations, keyPackages, me } = this.#d
    for (let attempt = 1; ; attempt++) {
      const bytes = fromBase64Url((await api.groupInfo(g.groupId)).groupInfo)
      if (!bytes) throw new CandorError('invalid_mls_message', "the server's GroupInfo is not base64url")
      const pub = loadPublicGroup(bytes)
      if (toBase64Url(pub.groupContext.groupId) !== g.groupId) throw new CandorError('invalid_mls_message', "the server's GroupInfo is for another group")
      const epoch = Number(pub.groupContext.epoch)
      const old = treeLeaves(pub.tree).find((l) => l.userId === me.userId && l.deviceId !== me.deviceId && !active.has(l.deviceId))
      if (!old) throw new CandorError('not_member', 'no device of yours that is gone is in this conversation: a device of yours that is still active adds this one')
      // The directory no longer proves the old device (it is revoked): its key must be one the
      // person's own directory history enrolled, never one the server made up.
      if (!(await this.#d.directory.enrolledOwnKeys(me.userId)).has(toBase64Url(old.signatureKey))) {
        throw new CandorError('directory_proof_invalid', `the old device ${old.deviceId} in this conversation was never one of your enrolled devices`)
      }
      // The group keeps the suite it was made with (docs/protocol.md §5.0): the new leaf is in it.
      const suite = pub.groupContext.cipherSuite
      if (!isOurSuite(suite)) throw new CandorError('invalid_mls_message', `the server's GroupInfo is in an unsupported cipher suite ${suite}`)
      const [kp] = await keyPackages.generate(1, false, suite)
      let joined
      try {
        // The config's authentication service judges every leaf and the GroupInfo's signer against the directory.
        joined = await joinReplacingLeaf(this.#d.suites, this.#d.config, bytes, kp!, old.leafIndex)
      } finally {
        await keyPackages.consumed(kp!)
      }
      const body = { messageId: newMessageId(), commit: toBase64Url(joined.commit), groupInfo: toBase64Url(joined.groupInfo) }
      try {
        await api.externalCommit(g.groupId, body)
      } catch (e) {
        const stale = e instanceof CandorError && e.code === 'stale_epoch'
        // A lost answer: the commit may have been taken (then this device is on the roster and may ask).
        const took = !stale && isTransient(e) ? await api.acceptedCommit(g.groupId, epoch).catch(() => null) : null
        if (took !== body.messageId) {
          if (stale && attempt < JOIN_TRIES) continue
          throw e
        }
      }
      await conversations.save(g.groupId, joined.state, {
        createdAt: Date.now(),
        status: 'active',
        ...(g.conversationId !== g.groupId ? { conversation: g.conversationId } : {}),
      })
      await this.#record(g.groupId)
      this.#d.emit('conversation', { id: g.conversationId, change: 'joined' })
      return
    }
  }

  async #record(groupId: string): Promise<void> {
    const { conversations, me } = this.#d
    const now = Date.now()
    const record: MessageRecord = {
      id: newMessageId(),
      conversation: conversations.conversationOf(groupId),
      from: me.userId,
      fromDevice: me.deviceId,
      text: JOINED_ON_NEW_DEVICE_TEXT,
      sentAt: now,
      receivedAt: now,
      direction: 'out',
      kind: 'rejoined',
    }
    if (await conversations.record(record)) this.#d.emit('message', record)
  }
}

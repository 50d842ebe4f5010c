// Thin, typed wrappers over ts-mls for what a Candor device does with a group. No I/O; the
// caller persists the states it gets back.
import {
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  joinGroup,
  processPrivateMessage,
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  type KeyPackage,
  type PrivateKeyPackage,
  type Proposal,
} from 'ts-mls'
import { encodeGroupState, decodeGroupState } from 'ts-mls/clientState.js'
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js'
import { decryptSenderData } from 'ts-mls/privateMessage.js'
import { CandorError, fromBase64Url, toBase64Url } from '@candor/protocol'
import { decodeDeviceCredential, encodeDeviceCredential } from '@candor/crypto'

export interface DeviceKeys {
  userId: string
  deviceId: string
  publicKey: Uint8Array
  secretKey: Uint8Array
}

export interface StoredKeyPackage {
  ref: string
  publicPackage: string
  privatePackage: { init: string; hpke: string; signature: string }
  lastResort: boolean
}

export interface Leaf {
  leafIndex: number
  userId: string
  deviceId: string
  signatureKey: Uint8Array
}

export function encodeKeyPackage(kp: KeyPackage): Uint8Array {
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: kp })
}

export function decodeKeyPackage(bytes: Uint8Array): KeyPackage {
  const m = decodeMlsMessage(bytes, 0)
  if (!m || m[0].wireformat !== 'mls_key_package') throw new CandorError('invalid_key_package', 'not a key package')
  return m[0].keyPackage
}

export async function newKeyPackage(suite: CiphersuiteImpl, me: DeviceKeys, lastResort: boolean): Promise<StoredKeyPackage> {
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    encodeDeviceCredential(me.userId, me.deviceId),
    defaultCapabilities(),
    defaultLifetime,
    [],
    { signKey: me.secretKey, publicKey: me.publicKey },
    suite,
  )
  return {
    ref: toBase64Url(await makeKeyPackageRef(publicPackage, suite.hash)),
    publicPackage: toBase64Url(encodeKeyPackage(publicPackage)),
    privatePackage: {
      init: toBase64Url(privatePackage.initPrivateKey),
      hpke: toBase64Url(privatePackage.hpkePrivateKey),
      signature: toBase64Url(privatePackage.signaturePrivateKey),
    },
    lastResort,
  }
}

function privateOf(s: StoredKeyPackage): PrivateKeyPackage {
  return {
    initPrivateKey: fromBase64Url(s.privatePackage.init)!,
    hpkePrivateKey: fromBase64Url(s.privatePackage.hpke)!,
    signaturePrivateKey: fromBase64Url(s.privatePackage.signature)!,
  }
}

export async function startGroup(
  suite: CiphersuiteImpl,
  config: ClientConfig,
  groupId: Uint8Array,
  kp: StoredKeyPackage,
): Promise<ClientState> {
  return createGroup(groupId, decodeKeyPackage(fromBase64Url(kp.publicPackage)!), privateOf(kp), [], suite, config)
}

export interface CommitOutput {
  state: ClientState
  commit: Uint8Array
  welcome: Uint8Array | undefined
}

export async function commitChanges(
  suite: CiphersuiteImpl,
  state: ClientState,
  add: readonly KeyPackage[],
  removeLeaves: readonly number[],
): Promise<CommitOutput> {
  const proposals: Proposal[] = [
    ...removeLeaves.map((leafIndex): Proposal => ({ proposalType: 'remove', remove: { removed: leafIndex } })),
    ...add.map((keyPackage): Proposal => ({ proposalType: 'add', add: { keyPackage } })),
  ]
  const r = await createCommit({ state, cipherSuite: suite }, { extraProposals: proposals, ratchetTreeExtension: true })
  return {
    state: r.newState,
    commit: encodeMlsMessage(r.commit),
    welcome: r.welcome ? encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: r.welcome }) : undefined,
  }
}

export async function encryptApplication(
  suite: CiphersuiteImpl,
  state: ClientState,
  plaintext: Uint8Array,
): Promise<{ state: ClientState; message: Uint8Array }> {
  const r = await createApplicationMessage(state, plaintext, suite)
  return {
    state: r.newState,
    message: encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: r.privateMessage }),
  }
}

export type Incoming =
  | { kind: 'application'; state: ClientState; plaintext: Uint8Array; sender: Leaf }
  | { kind: 'handshake'; state: ClientState }

export async function processIncoming(suite: CiphersuiteImpl, state: ClientState, bytes: Uint8Array): Promise<Incoming> {
  const m = decodeMlsMessage(bytes, 0)
  if (!m || m[0].wireformat !== 'mls_private_message') throw new CandorError('invalid_mls_message', 'expected an MLS PrivateMessage')
  const pm = m[0].privateMessage
  const r = await processPrivateMessage(state, pm, emptyPskIndex, suite)
  if (r.kind !== 'applicationMessage') return { kind: 'handshake', state: r.newState }
  // ts-mls verified the content signature against the sender's leaf; read which leaf that
  // was from the sender data of the message's epoch.
  const epochData =
    pm.epoch === state.groupContext.epoch
      ? { senderDataSecret: state.keySchedule.senderDataSecret, ratchetTree: state.ratchetTree }
      : state.historicalReceiverData.get(pm.epoch)
  const sd = epochData ? await decryptSenderData(pm, epochData.senderDataSecret, suite) : undefined
  const sender = sd && epochData ? leafAt(epochData.ratchetTree, sd.leafIndex) : undefined
  if (!sender) throw new CandorError('invalid_mls_message', 'cannot identify the sender of the message')
  return { kind: 'application', state: r.newState, plaintext: r.message, sender }
}

function leafAt(tree: ClientState['ratchetTree'], leafIndex: number): Leaf | undefined {
  const node = tree[leafIndex * 2]
  if (!node || node.nodeType !== 'leaf') return undefined
  const who = decodeDeviceCredential(node.leaf.credential)
  return who ? { leafIndex, userId: who.userId, deviceId: who.deviceId, signatureKey: node.leaf.signaturePublicKey } : undefined
}

/** Finds which of our stored key packages a Welcome is for, and joins with it. */
export async function joinFromWelcome(
  suite: CiphersuiteImpl,
  config: ClientConfig,
  bytes: Uint8Array,
  findKeyPackage: (ref: string) => Promise<StoredKeyPackage | undefined>,
): Promise<{ state: ClientState; used: StoredKeyPackage }> {
  const m = decodeMlsMessage(bytes, 0)
  if (!m || m[0].wireformat !== 'mls_welcome') throw new CandorError('invalid_mls_message', 'expected an MLS Welcome')
  const welcome = m[0].welcome
  for (const s of welcome.secrets) {
    const kp = await findKeyPackage(toBase64Url(s.newMember))
    if (!kp) continue
    const state = await joinGroup(
      welcome,
      decodeKeyPackage(fromBase64Url(kp.publicPackage)!),
      privateOf(kp),
      emptyPskIndex,
      suite,
      undefined,
      undefined,
      config,
    )
    return { state, used: kp }
  }
  throw new CandorError('invalid_mls_message', 'the welcome is for none of this device key packages')
}

export function leaves(state: ClientState): Leaf[] {
  const out: Leaf[] = []
  for (let i = 0; i < state.ratchetTree.length; i += 2) {
    const leaf = leafAt(state.ratchetTree, i / 2)
    if (leaf) out.push(leaf)
  }
  return out
}

export function ownLeafIndex(state: ClientState): number {
  return state.privatePath.leafIndex
}

export function epochOf(state: ClientState): number {
  return Number(state.groupContext.epoch)
}

export function isRemoved(state: ClientState): boolean {
  return state.groupActiveState.kind === 'removedFromGroup'
}

export function saveState(state: ClientState): string {
  return toBase64Url(encodeGroupState(state))
}

export function loadState(encoded: string, config: ClientConfig): ClientState {
  const bytes = fromBase64Url(encoded)
  const d = bytes ? decodeGroupState(bytes, 0) : undefined
  if (!d) throw new CandorError('internal', 'stored group state does not decode')
  return { ...d[0], clientConfig: config }
}

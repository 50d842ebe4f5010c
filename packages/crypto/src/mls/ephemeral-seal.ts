// Ephemeral payloads (typing indicators, docs/protocol.md §6) sealed with a key exported from
// the group's current epoch (RFC 9420 §8.5, label "candor ephemeral"), not as MLS application
// messages: an application message would advance the sender's secret-tree ratchet, and devices
// offline miss ephemeral frames, so enough typing would push a later real message past the
// receivers' forward-ratchet limit. Only members of the epoch hold the key; the additional data
// binds the group, the epoch and the sending device the server names in the frame, so one
// member cannot replay another's indicator as theirs.
import { mlsExporter } from 'ts-mls'
import type { GroupState, MlsSuite } from './mls-types.ts'
import { pickSuite, type SuiteChoice } from './suite-choice.ts'

const LABEL = 'candor ephemeral'
/** AES-GCM of the group's suite (docs/protocol.md §5.0): the exported key has the AEAD's length. */
const NONCE = 12
const EPOCH = 8

async function keyOf(suite: MlsSuite, state: GroupState): Promise<Uint8Array> {
  return mlsExporter(state.keySchedule.exporterSecret, LABEL, state.groupContext.groupId, suite.hpke.keyLength, suite)
}

function aad(state: GroupState, epoch: Uint8Array, sender: Uint8Array): Uint8Array {
  const label = new TextEncoder().encode(LABEL)
  const g = state.groupContext.groupId
  const out = new Uint8Array(label.length + g.length + EPOCH + sender.length)
  out.set(label, 0)
  out.set(g, label.length)
  out.set(epoch, label.length + g.length)
  out.set(sender, label.length + g.length + EPOCH)
  return out
}

function epochBytes(epoch: bigint): Uint8Array {
  const b = new Uint8Array(EPOCH)
  new DataView(b.buffer).setBigUint64(0, epoch)
  return b
}

/** Seals `plaintext` for the members of the group's current epoch; `sender`: this device's id bytes. */
export async function sealEphemeral(choice: SuiteChoice, state: GroupState, sender: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const suite = pickSuite(choice, state.groupContext.cipherSuite, 'invalid_mls_message')
  const epoch = epochBytes(state.groupContext.epoch)
  const nonce = suite.rng.randomBytes(NONCE)
  const sealed = await suite.hpke.encryptAead(await keyOf(suite, state), nonce, aad(state, epoch, sender), plaintext)
  const out = new Uint8Array(EPOCH + NONCE + sealed.length)
  out.set(epoch, 0)
  out.set(nonce, EPOCH)
  out.set(sealed, EPOCH + NONCE)
  return out
}

/**
 * Opens a payload sealed by `sealEphemeral` for this group's current epoch, sent (as the server
 * says) by the device with id bytes `sender`. Returns null for anything else — another epoch,
 * another sender, garbage: an indicator is never worth an error.
 */
export async function openEphemeral(choice: SuiteChoice, state: GroupState, sender: Uint8Array, payload: Uint8Array): Promise<Uint8Array | null> {
  const suite = pickSuite(choice, state.groupContext.cipherSuite, 'invalid_mls_message')
  if (!(payload instanceof Uint8Array) || payload.length < EPOCH + NONCE + 16) return null
  const epoch = payload.subarray(0, EPOCH)
  if (new DataView(epoch.buffer, epoch.byteOffset, EPOCH).getBigUint64(0) !== state.groupContext.epoch) return null
  try {
    return await suite.hpke.decryptAead(await keyOf(suite, state), payload.subarray(EPOCH, EPOCH + NONCE), aad(state, epoch.slice(), sender), payload.subarray(EPOCH + NONCE))
  } catch {
    return null
  }
}


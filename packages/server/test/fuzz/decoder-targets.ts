// Every decoder of untrusted bytes or text, with seeds of valid encodings to mutate: frames,
// real MLS messages and key packages (ts-mls's decoders behind the server's checks),
// MLS headers, key-directory values and proofs, signed notes, checkpoints and cosignatures,
// access receipts and their commitment, the handshake AAD and message content.
import fc from 'fast-check'
import {
  accessReceiptSchema,
  accessReceiptsResponseSchema,
  decodeClientFrame,
  decodeContent,
  decodeDirectoryValue,
  decodeHandshakeAad,
  decodeServerFrame,
  deletionReceiptResponseSchema,
  encodeAccepted,
  encodeAck,
  encodeAuth,
  encodeDeliver,
  encodeDirectoryValue,
  encodeError,
  encodeHandshakeAad,
  encodeNotice,
  encodeSend,
  newGroupId,
  newMessageId,
  receiptEnvelopeSchema,
  receiptsCommitment,
  toBase64Url,
  utf8,
  type DeviceId,
  type GroupId,
} from '@candor/protocol'
import {
  DirectoryAuthenticationService,
  checkKeyPackage,
  clientConfigWith,
  commitChanges,
  decodeKeyPackage,
  encryptApplication,
  generateDeviceKey,
  getSuite,
  checkNewGroupInfo,
  groupInfoForExternalJoin,
  messageEpoch,
  newKeyPackage,
  startGroup,
  validatePublicCommit,
} from '@candor/crypto'
import { nodeCryptoProvider } from '@candor/crypto/node'
import {
  KeyDirectory,
  SIG_TYPE_COSIGNATURE_V1,
  cosignatureTimestamp,
  cosigner,
  decodeHistoryProof,
  decodeLookupProof,
  decodePastLookupProof,
  decodePrefixProof,
  encodeHistoryProof,
  encodeLookupProof,
  encodePastLookupProof,
  formatNote,
  formatVerifierKey,
  labelBytes,
  noteVerifierFromKey,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  verifyConsistency,
  verifyHistory,
  verifyInclusion,
  verifyLookup,
  verifyPastLookup,
} from '@candor/transparency'
import { readMlsHeader } from '../../src/mls/mls-header.ts'
import { bytesInput, jsonBytesInput, jsonInput, textInput } from './mutate.ts'
import { target, type FuzzTarget } from './fuzz-target.ts'

const b64 = (n: number, fill: number) => toBase64Url(new Uint8Array(n).fill(fill))

/** An MLS PublicMessage/PrivateMessage header (what the server reads) and some body. */
function mlsHeader(group: GroupId, wireFormat: number, epoch: bigint, contentType: number): Uint8Array {
  const gid = Buffer.from(group, 'base64url')
  const out = new Uint8Array(5 + gid.length + 8 + 1 + 16)
  out.set([0, 1, 0, wireFormat, gid.length], 0)
  out.set(gid, 5)
  new DataView(out.buffer).setBigUint64(5 + gid.length, epoch)
  out[5 + gid.length + 8] = contentType
  return out
}

/** Real MLS bytes: key packages, a commit with its Welcome, an application message. */
async function mlsSeeds() {
  const suite = await getSuite(nodeCryptoProvider())
  const directory = new Map<string, Uint8Array>()
  const config = clientConfigWith(new DirectoryAuthenticationService(async (u, d) => directory.get(`${u}/${d}`) ?? null))
  const device = (userId: string, deviceId: string) => {
    const keys = { userId, deviceId, ...generateDeviceKey() }
    directory.set(`${userId}/${deviceId}`, keys.publicKey)
    return keys
  }
  const alice = device('alice', 'device-a')
  const bob = device('bob', 'device-b')
  const aliceKp = await newKeyPackage(suite, alice, false)
  const bobKp = await newKeyPackage(suite, bob, false)
  const bytes = (kp: { publicPackage: string }) => Buffer.from(kp.publicPackage, 'base64url')
  const groupId = crypto.getRandomValues(new Uint8Array(16))
  const group = await startGroup(suite, config, groupId, aliceKp)
  const before = await groupInfoForExternalJoin(suite, group)
  const out = await commitChanges(suite, group, [decodeKeyPackage(bytes(bobKp))], [])
  const app = await encryptApplication(suite, out.state, utf8('hello'))
  const owner = { userId: alice.userId, deviceId: alice.deviceId, publicKey: alice.publicKey }
  return { suite, owner, keyPackages: [new Uint8Array(bytes(aliceKp)), new Uint8Array(bytes(await newKeyPackage(suite, alice, true)))], messages: [out.commit, out.welcome!, app.message], groupId, before, commit: out.commit, after: out.groupInfo }
}

async function directorySeeds() {
  let t = 1_700_000_000_000
  const dir = await KeyDirectory.open({ origin: 'fuzz/directory', signingKey: new Uint8Array(32).fill(1), vrfKey: new Uint8Array(32).fill(2), now: () => (t += 1000) })
  for (let i = 0; i < 4; i++) {
    dir.update('alice', utf8(`alice-${i}`))
    dir.update(`user-${i}`, utf8('x'))
    await dir.publishEpoch()
  }
  const lookups = [encodeLookupProof((await dir.lookup('alice'))!), encodeLookupProof((await dir.lookup('nobody'))!)]
  const past = [encodePastLookupProof((await dir.lookupAt('alice', 2))!)]
  const history = [encodeHistoryProof((await dir.history('alice'))!)]
  return { dir, lookups, past, history, checkpoint: dir.checkpoint()! }
}

export async function decoderTargets(): Promise<FuzzTarget[]> {
  const group = newGroupId()
  const token = `k1.${b64(40, 3)}.${b64(32, 4)}`
  const clientFrames = [
    encodeSend({ reqId: 1, messageId: newMessageId(), groupId: group, payload: mlsHeader(group, 2, 0n, 1) }),
    encodeAck([1, 2, 3]),
    encodeAuth(token),
  ]
  const sender = toBase64Url(new Uint8Array(16).fill(9)) as DeviceId
  const serverFrames = [
    encodeAccepted(1, 1_764_500_000_000),
    encodeError(1, 'not_member', 'this device is not a member'),
    encodeDeliver({ seq: 5, kind: 0, messageId: newMessageId(), groupId: group, sentAt: 1_764_500_000_000, sender, payload: mlsHeader(group, 2, 3n, 1) }),
    encodeNotice({ kind: 'session_ended', reason: 'revoked' }),
  ]
  const notices = [{ kind: 'synced' }, { kind: 'session_ended', reason: 'revoked' }, { kind: 'key_packages_low', remaining: 3 }, { kind: 'enrolment_request', requestId: b64(16, 1) }, { kind: 'device_revoked', deviceId: b64(16, 2) }]
  const real = await mlsSeeds()
  const mls = [...real.messages, mlsHeader(group, 2, 0n, 1), mlsHeader(group, 2, 7n, 3), mlsHeader(group, 1, 1n, 0), new Uint8Array([0, 1, 0, 3, 0, 0]), new Uint8Array([0, 1, 0, 2, 0x40, 0x10])]

  const d = await directorySeeds()
  const { secretKey, publicKey } = generateDeviceKey()
  const witness = cosigner('witness.fuzz', secretKey, () => 1_764_500_000)
  const text = parseNote(d.checkpoint)!.text
  const cosigned = formatNote(text, [...parseNote(d.checkpoint)!.signatures, { name: witness.name, keyId: witness.keyId, signature: witness.sign(utf8(text)) }])
  const vkey = formatVerifierKey('witness.fuzz', SIG_TYPE_COSIGNATURE_V1, publicKey)
  const verifiers = [noteVerifierFromKey(d.dir.verifierKey)!, noteVerifierFromKey(vkey)!]
  const cp = parseCheckpoint(text)!
  const notes = [d.checkpoint, cosigned, `${text}\n— nobody AAAA\n`]

  const device = (id: string, fill: number) => ({ id, key: b64(32, fill), by: id, byKey: b64(32, fill), sig: b64(64, fill) })
  const values = [
    encodeDirectoryValue({ v: 1, devices: [device('b', 2), device('a', 1)] }),
    encodeDirectoryValue({ v: 2, kind: 'person', org: 'acme', idp: { issuer: 'https://login.acme.example', subject: '00u1', email: 'a@acme.example' }, recovery: { key: b64(32, 7), by: 'a', byKey: b64(32, 1), sig: b64(64, 3) }, devices: [device('a', 1), { id: 'r', key: b64(32, 4), by: 'recovery', byKey: b64(32, 7), sig: b64(64, 5) }], receipts: b64(32, 9) }),
    encodeDirectoryValue({ v: 2, kind: 'bot', org: null, devices: [] }),
  ]

  const receipt = {
    v: 1,
    id: b64(16, 1),
    subject: 'alice',
    accessor: { role: 'operator', pseudonym: 'p1', org: 'operator' },
    what: { categories: ['device_list'], resources: ['user:alice/devices'] },
    why: { code: 'security_investigation', caseRef: 'SEC-1' },
    when: { from: 1_764_500_000_000, to: 1_764_500_000_001 },
    notice: { approvedBySubject: false, notified: true, delayedUntil: null },
    loggedAt: 1_764_500_000_002,
  }
  const envelope = { v: 1, copies: [{ device: b64(16, 2), enc: b64(32, 3), ct: b64(100, 4) }] }
  const receiptsResponse = { checkpoint: d.checkpoint, salt: b64(32, 1), receipts: [{ index: 0, envelope: b64(40, 2), proof: [b64(32, 3)], position: 1 }] }
  const deletion = { receipt: 'x', index: 0, checkpoint: d.checkpoint, proof: [b64(32, 1)], erased: { devices: 1, queued: 0, keyPackages: 0, memberships: 0, sentMessages: 0, accessReceipts: 0 } }

  const root = b64(32, 7)
  const aads = [encodeHandshakeAad({ v: 1, directory: { size: 1234, root } }), encodeHandshakeAad({ v: 1, directory: { size: 1, root } })]
  const ID = b64(16, 0)
  const v2 = (type: string, fields: Record<string, unknown> = {}) => ({ v: 2, type, id: ID, sentAt: 1_764_500_000_000, seen: { directory: { size: 3, root } }, ...fields })
  const contents = [
    v2('text', { text: 'hello' }),
    v2('text', { text: 'hi', replyTo: ID, timer: 30 }),
    v2('reaction', { target: ID, emoji: '👍' }),
    v2('edit', { target: ID, text: 'fixed' }),
    v2('delete', { target: ID }),
    v2('receipt', { kind: 'read', ids: [ID] }),
    v2('typing', { typing: true }),
    v2('profile', { name: 'Alice' }),
    v2('timer', { seconds: 60 }),
    { v: 1, type: 'text', text: 'old' },
    v2('future-type', { anything: [1, 2] }),
  ]

  const frameBytes = (seeds: Uint8Array[]) => fc.oneof(bytesInput(seeds), fc.tuple(fc.constantFrom(0x01, 0x02, 0x03, 0x81, 0x82, 0x83, 0x84), fc.uint8Array({ maxLength: 80 })).map(([t, b]) => Uint8Array.from([t, ...b])))

  return [
    target('frames: decodeClientFrame', 'candor-error', frameBytes(clientFrames), decodeClientFrame),
    target(
      'frames: decodeServerFrame',
      'candor-error',
      fc.oneof(frameBytes(serverFrames), jsonBytesInput(notices).map((j) => Uint8Array.from([0x84, ...j]))),
      // Read as the SDK's connection reads it: a notice's kind, and a session end's reason.
      (b) => {
        const f = decodeServerFrame(b)
        if (f.type === 'notice' && f.notice.kind === 'session_ended' && typeof f.notice.reason !== 'string') throw new TypeError('session_ended without a reason')
      },
    ),
    target('mls: readMlsHeader (server)', 'candor-error', bytesInput(mls, 96), readMlsHeader),
    target('mls: messageEpoch (crypto message-facts)', 'never-throws', bytesInput(mls, 96), messageEpoch),
    target('mls: checkKeyPackage (server, on every upload)', 'candor-error', bytesInput(real.keyPackages, 1024), (b) => checkKeyPackage(real.suite, b, real.owner)),
    target('mls: decodeKeyPackage', 'candor-error', bytesInput(real.keyPackages, 1024), decodeKeyPackage),
    // The server's validation of what members post (docs/protocol.md §5.1): a new group's GroupInfo,
    // and a commit and its GroupInfo against the stored one.
    target('mls: checkNewGroupInfo (server, POST /v1/groups)', 'candor-error', bytesInput([real.before, real.after], 2048), (b) => checkNewGroupInfo(real.suite, b, real.groupId), 0.2),
    target('mls: validatePublicCommit, the commit mutated (server, every commit)', 'candor-error', bytesInput([real.commit], 2048), (b) =>
      validatePublicCommit(real.suite, real.before, b, real.after, { external: false }), 0.2),
    target('mls: validatePublicCommit, its group info mutated (server, every commit)', 'candor-error', bytesInput([real.after], 2048), (b) =>
      validatePublicCommit(real.suite, real.before, real.commit, b, { external: false }), 0.2),
    target('directory: decodeLookupProof', 'never-throws', bytesInput(d.lookups, 2048), decodeLookupProof),
    target('directory: decodePastLookupProof', 'never-throws', bytesInput(d.past, 2048), decodePastLookupProof),
    target('directory: decodeHistoryProof', 'never-throws', bytesInput(d.history, 2048), decodeHistoryProof),
    // What a client does with a server's answer: decode, then verify against its checkpoint.
    target('directory: verifyLookup of a decoded proof', 'never-throws', bytesInput(d.lookups, 2048), (b) => {
      const p = decodeLookupProof(b)
      return p && verifyLookup('alice', p, cp, d.dir.vrfPublicKey)
    }, 0.1),
    target('directory: verifyPastLookup of a decoded proof', 'never-throws', bytesInput(d.past, 2048), (b) => {
      const p = decodePastLookupProof(b)
      return p && verifyPastLookup('alice', p, cp, d.dir.vrfPublicKey, 1)
    }, 0.1),
    target('directory: verifyHistory of a decoded proof', 'never-throws', bytesInput(d.history, 2048), (b) => {
      const p = decodeHistoryProof(b)
      return p && verifyHistory('alice', p, cp, d.dir.vrfPublicKey)
    }, 0.05),
    target(
      'merkle: verifyInclusion and verifyConsistency',
      'never-throws',
      fc.tuple(fc.oneof(fc.nat(20), fc.integer(), fc.double()), fc.oneof(fc.nat(20), fc.integer(), fc.double()), fc.array(fc.uint8Array({ minLength: 31, maxLength: 33 }), { maxLength: 8 }), fc.uint8Array({ minLength: 31, maxLength: 33 })),
      ([a, b, proof, hash]) => [verifyInclusion(a, b, hash, proof, cp.rootHash), verifyConsistency(a, b, hash, cp.rootHash, proof)],
    ),
    target('directory: decodePrefixProof', 'never-throws', bytesInput(d.lookups, 2048), (b) => decodePrefixProof(b)),
    target('directory: labelBytes', 'never-throws', fc.oneof(textInput(['alice', 'a@b.example']), fc.anything()), labelBytes),
    target('directory: decodeDirectoryValue', 'never-throws', fc.oneof(bytesInput(values, 1024), jsonBytesInput(values.map((v) => JSON.parse(new TextDecoder().decode(v)) as unknown))), decodeDirectoryValue),
    target('notes: parseNote', 'never-throws', fc.oneof(textInput(notes, 1024), fc.anything()), parseNote),
    target('notes: openNote', 'never-throws', textInput(notes, 1024), (n) => openNote(n, verifiers)),
    target('checkpoints: parseCheckpoint', 'never-throws', fc.oneof(textInput([text, 'o\n1\nAAAA\n'], 512), fc.anything()), parseCheckpoint),
    target('checkpoints: openCheckpoint', 'never-throws', textInput(notes, 1024), (n) => openCheckpoint(n, 'fuzz/directory', verifiers)),
    target('cosignatures: cosignatureTimestamp', 'never-throws', bytesInput([witness.sign(utf8(text))], 96), cosignatureTimestamp),
    target('cosignatures: verifier keys', 'never-throws', fc.oneof(textInput([vkey, d.dir.verifierKey], 256), fc.anything()), (k) => [parseVerifierKey(k), noteVerifierFromKey(k)]),
    target('receipts: accessReceiptSchema', 'never-throws', jsonInput([receipt]), (x) => accessReceiptSchema.safeParse(x)),
    target('receipts: receiptEnvelopeSchema', 'never-throws', jsonInput([envelope]), (x) => receiptEnvelopeSchema.safeParse(x)),
    target('receipts: accessReceiptsResponseSchema', 'never-throws', jsonInput([receiptsResponse]), (x) => accessReceiptsResponseSchema.safeParse(x)),
    target('receipts: deletionReceiptResponseSchema', 'never-throws', jsonInput([deletion]), (x) => deletionReceiptResponseSchema.safeParse(x)),
    target(
      'receipts: receiptsCommitment',
      'candor-error',
      fc.tuple(fc.uint8Array({ minLength: 30, maxLength: 34 }), fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constantFrom(2 ** 53, -1, NaN)), fc.option(fc.uint8Array({ minLength: 30, maxLength: 34 }))),
      ([salt, count, last]) => receiptsCommitment(salt, count, last),
    ),
    target('handshake-aad: decodeHandshakeAad', 'candor-error', fc.oneof(bytesInput(aads, 600), jsonBytesInput(aads.map((a) => JSON.parse(new TextDecoder().decode(a)) as unknown))), decodeHandshakeAad),
    target('content: decodeContent', 'candor-error', fc.oneof(jsonBytesInput(contents), bytesInput(contents.map((c) => utf8(JSON.stringify(c))), 1024)), decodeContent),
  ]
}

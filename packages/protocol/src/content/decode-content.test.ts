import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { toBase64Url, utf8 } from '../bytes.ts'
import { CandorError } from '../errors.ts'
import type { DeviceId, GroupId, MessageId, UserId } from '../ids.ts'
import { CONTENT_LIMITS, MAX_TIMER_SECONDS, type AttachmentRef, type Seen, type SendableContent } from './content-types.ts'
import { decodeContent } from './decode-content.ts'
import { encodeContent } from './encode-content.ts'

const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(toBase64Url)
const messageId = bytes16.map((s) => s as MessageId)
const deviceId = bytes16.map((s) => s as DeviceId)
const groupId = bytes16.map((s) => s as GroupId)
const b64of32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toBase64Url)
// Conservative user ids: valid under every form §1 allows.
const userId = fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/).map((s) => s as UserId)
const sentAt = fc.integer({ min: 0, max: 2 ** 47 })
const timer = fc.integer({ min: 1, max: MAX_TIMER_SECONDS })
const anyText = (maxLength: number) => fc.string({ unit: 'binary', maxLength })
const name = (maxLength: number) => fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s))
const checkpoint = fc.record({ size: fc.integer({ min: 0, max: 2 ** 40 }), root: b64of32 })
const seen: fc.Arbitrary<Seen> = fc.record({ directory: checkpoint, accessLog: checkpoint }, { requiredKeys: [] })
const mediaType = fc.constantFrom('image/png', 'application/pdf', 'text/plain', 'image/webp', 'application/vnd.oasis.opendocument.text')

const thumb = fc.record({
  mediaType,
  width: fc.integer({ min: 1, max: 4096 }),
  height: fc.integer({ min: 1, max: 4096 }),
  data: fc.uint8Array({ maxLength: 300 }).map(toBase64Url),
})

const attachment: fc.Arbitrary<AttachmentRef> = fc.record(
  {
    blob: bytes16,
    name: name(80),
    mediaType,
    size: fc.integer({ min: 0, max: 2 ** 40 }),
    sha256: b64of32,
    key: b64of32,
    chunkSize: fc.integer({ min: 1, max: CONTENT_LIMITS.maxChunkSize }),
    thumbnail: thumb,
  },
  { requiredKeys: ['blob', 'name', 'mediaType', 'size', 'sha256', 'key', 'chunkSize'] },
)

function typed<T extends SendableContent['type']>(type: T, own: Record<string, fc.Arbitrary<unknown>>, requiredKeys: string[]) {
  return fc
    .record({ id: messageId, sentAt, seen, timer, ...own }, { requiredKeys: ['id', 'sentAt', 'seen', ...requiredKeys] as never[] })
    .map((c) => ({ type, ...c }) as unknown as SendableContent & { seen: Seen })
}

const everyType = {
  text: typed(
    'text',
    {
      text: anyText(300),
      mentions: fc.array(userId, { maxLength: CONTENT_LIMITS.mentions }),
      replyTo: fc.record({ id: messageId, from: userId, excerpt: anyText(CONTENT_LIMITS.excerptChars) }),
      attachments: fc.array(attachment, { maxLength: 3 }),
    },
    ['text'],
  ),
  edit: typed('edit', { target: messageId, text: anyText(300), mentions: fc.array(userId, { maxLength: 5 }) }, ['target', 'text']),
  delete: typed('delete', { target: messageId }, ['target']),
  reaction: typed('reaction', { target: messageId, emoji: fc.constantFrom('👍', '❤️', '👩‍👩‍👧', '🇫🇷', '+', '🤦🏽‍♀️'), on: fc.boolean() }, ['target', 'emoji', 'on']),
  receipt: typed('receipt', { kind: fc.constantFrom('delivered', 'read'), ids: fc.array(messageId, { minLength: 1, maxLength: 100 }) }, ['kind', 'ids']),
  typing: typed('typing', { on: fc.boolean() }, ['on']),
  timer: typed('timer', { seconds: fc.option(timer, { nil: null }) }, ['seconds']),
  leave: typed('leave', {}, []),
  conversation: typed(
    'conversation',
    { name: fc.option(name(100), { nil: null }), topic: fc.option(anyText(500), { nil: null }), avatar: fc.option(thumb, { nil: null }) },
    ['name'],
  ),
  profile: typed('profile', { displayName: name(64), avatar: fc.option(attachment, { nil: null }) }, []),
  join: typed('join', { secret: b64of32 }, ['secret']),
  members: typed('members', { added: fc.array(userId, { maxLength: 20 }), removed: fc.array(userId, { maxLength: 20 }) }, ['added', 'removed']),
  undecryptable: typed(
    'undecryptable',
    {
      target: fc.record({ messageId, sender: deviceId, epoch: fc.integer({ min: 0, max: 2 ** 40 }), kind: fc.constantFrom('application', 'commit', 'welcome', 'proposal') }),
      reason: fc.constantFrom('epoch_unavailable', 'invalid_credential', 'decrypt_failed', 'invalid_content'),
    },
    ['target', 'reason'],
  ),
  reset: typed(
    'reset',
    { previousGroup: groupId, leftOut: fc.array(fc.record({ userId, deviceId }), { maxLength: 5 }), reason: anyText(200) },
    ['previousGroup', 'leftOut', 'reason'],
  ),
  archive: typed('archive', { org: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/), policyVersion: fc.integer({ min: 1, max: 1000 }) }, ['org', 'policyVersion']),
} satisfies Record<SendableContent['type'], fc.Arbitrary<SendableContent>>

const json = (o: unknown) => utf8(JSON.stringify(o))

function refusal(o: unknown): { code: string; field?: unknown } | 'accepted' {
  try {
    decodeContent(typeof o === 'string' ? utf8(o) : json(o))
    return 'accepted'
  } catch (e) {
    if (!(e instanceof CandorError)) throw e
    return { code: e.code, field: e.details?.field }
  }
}

const ID = 'AAAAAAAAAAAAAAAAAAAAAA'
const ID2 = 'AQEBAQEBAQEBAQEBAQEBAQ'
const ROOT = toBase64Url(new Uint8Array(32).fill(7))
const v2 = (type: string, fields: Record<string, unknown> = {}) => ({ v: 2, type, id: ID, sentAt: 1764500000000, seen: {}, ...fields })

describe('message content v2 (docs/protocol.md §2)', () => {
  it('round-trips every type through encode and decode', () => {
    for (const [type, arb] of Object.entries(everyType)) {
      fc.assert(
        fc.property(arb, (c) => {
          expect(decodeContent(encodeContent(c))).toEqual(c)
        }),
        { numRuns: 60 },
      )
      expect(type).toBeTruthy()
    }
  })

  it('writes version 2 with only the fields of §2', () => {
    const c = { type: 'text', id: ID as MessageId, sentAt: 5, seen: { directory: { size: 3, root: ROOT } }, text: 'hi', secret: 'not on the wire' } as const
    const wire = JSON.parse(new TextDecoder().decode(encodeContent(c))) as Record<string, unknown>
    expect(wire).toEqual({ v: 2, type: 'text', id: ID, sentAt: 5, seen: { directory: { size: 3, root: ROOT } }, text: 'hi' })
  })

  it('reads version 1 objects as the same types (without seen)', () => {
    expect(decodeContent(json({ v: 1, type: 'text', id: ID, sentAt: 1764500000000, text: 'hi', timer: 3600 }))).toEqual({ type: 'text', id: ID, sentAt: 1764500000000, text: 'hi', timer: 3600 })
    expect(decodeContent(json({ v: 1, type: 'leave', id: ID, sentAt: 1 }))).toEqual({ type: 'leave', id: ID, sentAt: 1 })
    expect(decodeContent(json({ v: 1, type: 'timer', id: ID, sentAt: 1, seconds: 3600 }))).toEqual({ type: 'timer', id: ID, sentAt: 1, seconds: 3600 })
    expect(decodeContent(json({ v: 1, type: 'timer', id: ID, sentAt: 1, seconds: null }))).toEqual({ type: 'timer', id: ID, sentAt: 1, seconds: null })
    // Version 1 measured text in UTF-16 units: a non-ASCII text over v2's byte limit from an old client still reads.
    const old = 'é'.repeat(40_000)
    expect(decodeContent(json({ v: 1, type: 'text', id: ID, sentAt: 1, text: old }))).toMatchObject({ text: old })
    expect(refusal({ v: 2, type: 'text', id: ID, sentAt: 1, seen: {}, text: old })).toEqual({ code: 'invalid_mls_message', field: 'text' })
    const longest = 'x'.repeat(CONTENT_LIMITS.v1TextLength)
    expect(refusal({ v: 1, type: 'text', id: ID, sentAt: 1, text: longest })).toBe('accepted')
    expect(refusal({ v: 1, type: 'text', id: ID, sentAt: 1, text: longest + 'x' })).toEqual({ code: 'invalid_mls_message', field: 'text' })
  })

  it('shows an unknown type or version as unsupported, keeping id and sentAt where present', () => {
    expect(decodeContent(json(v2('poll', { question: '?', timer: 60, seen: { directory: { size: 2, root: ROOT } } })))).toEqual({
      type: 'unsupported',
      v: 2,
      wireType: 'poll',
      id: ID,
      sentAt: 1764500000000,
      seen: { directory: { size: 2, root: ROOT } },
      timer: 60,
    })
    expect(decodeContent(json({ v: 3, type: 'text', id: ID, sentAt: 9, text: 42 }))).toEqual({ type: 'unsupported', v: 3, wireType: 'text', id: ID, sentAt: 9 })
    // A type version 2 added is unknown to version 1.
    expect(decodeContent(json({ v: 1, type: 'edit', id: ID, sentAt: 9 }))).toMatchObject({ type: 'unsupported', v: 1, wireType: 'edit' })
    // Malformed common fields of an unknown type are left out, never a reason to refuse it.
    expect(decodeContent(json({ v: 7, type: 'x'.repeat(500), id: 'nope', sentAt: -1 }))).toEqual({ type: 'unsupported', v: 7, wireType: 'x'.repeat(64) })
    expect(decodeContent(json(v2('poll', { seen: 'garbage', timer: 0 })))).toEqual({ type: 'unsupported', v: 2, wireType: 'poll', id: ID, sentAt: 1764500000000 })
  })

  it('refuses malformed known types, naming the field (negative control: the same objects fixed are accepted)', () => {
    const att = { blob: ID2, name: 'a.pdf', mediaType: 'application/pdf', size: 10, sha256: ROOT, key: ROOT, chunkSize: 65536 }
    const cases: Array<[bad: Record<string, unknown>, field: string, good: Record<string, unknown>]> = [
      [v2('text', { text: 7 }), 'text', v2('text', { text: '7' })],
      [v2('text', { text: 'x'.repeat(CONTENT_LIMITS.textBytes + 1) }), 'text', v2('text', { text: 'x'.repeat(CONTENT_LIMITS.textBytes) })],
      [v2('text', { text: 'é'.repeat(CONTENT_LIMITS.textBytes / 2 + 1) }), 'text', v2('text', { text: 'é'.repeat(CONTENT_LIMITS.textBytes / 2) })],
      [v2('text', { text: 'a', mentions: Array(51).fill('bob') }), 'mentions', v2('text', { text: 'a', mentions: Array(50).fill('bob') })],
      [v2('text', { text: 'a', mentions: ['Bob'] }), 'mentions[0]', v2('text', { text: 'a', mentions: ['bob'] })],
      [v2('text', { text: 'a', replyTo: { id: ID2, from: 'bob', excerpt: 'x'.repeat(201) } }), 'replyTo.excerpt', v2('text', { text: 'a', replyTo: { id: ID2, from: 'bob', excerpt: 'x'.repeat(200) } })],
      [v2('text', { text: 'a', attachments: Array(11).fill(att) }), 'attachments', v2('text', { text: 'a', attachments: Array(10).fill(att) })],
      [v2('text', { text: 'a', attachments: [{ ...att, key: ROOT.slice(1) }] }), 'attachments[0].key', v2('text', { text: 'a', attachments: [att] })],
      [v2('text', { text: 'a', attachments: [{ ...att, thumbnail: { mediaType: 'image/webp', width: 1, height: 1, data: toBase64Url(new Uint8Array(16 * 1024 + 1)) } }] }), 'attachments[0].thumbnail.data', v2('text', { text: 'a', attachments: [{ ...att, thumbnail: { mediaType: 'image/webp', width: 1, height: 1, data: toBase64Url(new Uint8Array(16 * 1024)) } }] })],
      [v2('text', { text: 'a', timer: 0 }), 'timer', v2('text', { text: 'a', timer: 1 })],
      [v2('text', { text: 'a', seen: { directory: { size: -1, root: ROOT } } }), 'seen.directory.size', v2('text', { text: 'a', seen: { directory: { size: 0, root: ROOT } } })],
      [v2('text', { text: 'a', seen: { accessLog: { size: 1, root: 'AAAA' } } }), 'seen.accessLog.root', v2('text', { text: 'a', seen: { accessLog: { size: 1, root: ROOT } } })],
      [{ ...v2('text', { text: 'a' }), seen: undefined }, 'seen', v2('text', { text: 'a' })],
      [v2('text', { text: 'a', id: 'short' }), 'id', v2('text', { text: 'a' })],
      [v2('text', { text: 'a', sentAt: 1.5 }), 'sentAt', v2('text', { text: 'a', sentAt: 1 })],
      [v2('edit', { target: 'x', text: 'b' }), 'target', v2('edit', { target: ID2, text: 'b' })],
      [v2('delete', {}), 'target', v2('delete', { target: ID2 })],
      [v2('reaction', { target: ID2, emoji: '👍👍', on: true }), 'emoji', v2('reaction', { target: ID2, emoji: '👍', on: true })],
      [v2('reaction', { target: ID2, emoji: '👍', on: 'yes' }), 'on', v2('reaction', { target: ID2, emoji: '👍', on: false })],
      [v2('receipt', { kind: 'read', ids: [] }), 'ids', v2('receipt', { kind: 'read', ids: [ID2] })],
      [v2('receipt', { kind: 'seen', ids: [ID2] }), 'kind', v2('receipt', { kind: 'delivered', ids: [ID2] })],
      [v2('typing', {}), 'on', v2('typing', { on: true })],
      [v2('timer', {}), 'seconds', v2('timer', { seconds: null })],
      [v2('timer', { seconds: MAX_TIMER_SECONDS + 1 }), 'seconds', v2('timer', { seconds: MAX_TIMER_SECONDS })],
      [v2('conversation', {}), 'name', v2('conversation', { topic: null })],
      [v2('conversation', { name: 'x'.repeat(101) }), 'name', v2('conversation', { name: 'x'.repeat(100) })],
      [v2('conversation', { name: 'a\u0007b' }), 'name', v2('conversation', { name: 'ab' })],
      [v2('conversation', { avatar: { mediaType: 'image/webp', width: 1, height: 1, data: toBase64Url(new Uint8Array(16 * 1024 + 1)) } }), 'avatar.data', v2('conversation', { avatar: { mediaType: 'image/webp', width: 1, height: 1, data: toBase64Url(new Uint8Array(16 * 1024)) } })],
      [v2('conversation', { avatar: { mediaType: 'image/webp', width: 0, height: 1, data: 'AA' } }), 'avatar.width', v2('conversation', { avatar: null })],
      [v2('profile', { displayName: '' }), 'displayName', v2('profile', { displayName: 'A' })],
      [v2('profile', { avatar: { ...att, mediaType: 'png' } }), 'avatar.mediaType', v2('profile', { avatar: att })],
      [v2('members', { added: ['bob'] }), 'removed', v2('members', { added: ['bob'], removed: [] })],
      [v2('join', { secret: 'AAAA' }), 'secret', v2('join', { secret: toBase64Url(new Uint8Array(32)) })],
      [v2('undecryptable', { target: { messageId: ID2, sender: ID2, epoch: 1, kind: 'app' }, reason: 'decrypt_failed' }), 'target.kind', v2('undecryptable', { target: { messageId: ID2, sender: ID2, epoch: 1, kind: 'application' }, reason: 'decrypt_failed' })],
      [v2('undecryptable', { target: { messageId: ID2, sender: ID2, epoch: 1, kind: 'commit' }, reason: 'lost' }), 'reason', v2('undecryptable', { target: { messageId: ID2, sender: ID2, epoch: 1, kind: 'commit' }, reason: 'epoch_unavailable' })],
      [v2('reset', { previousGroup: ID2, leftOut: [{ userId: 'bob' }], reason: '' }), 'leftOut[0].deviceId', v2('reset', { previousGroup: ID2, leftOut: [{ userId: 'bob', deviceId: ID2 }], reason: '' })],
      [v2('archive', { org: 'Acme', policyVersion: 3 }), 'org', v2('archive', { org: 'acme', policyVersion: 3 })],
      [v2('archive', { org: 'acme', policyVersion: 0 }), 'policyVersion', v2('archive', { org: 'acme', policyVersion: 1 })],
      [{ v: 0, type: 'text' }, 'v', v2('text', { text: '' })],
      [{ v: 2, type: '' }, 'type', v2('leave')],
    ]
    for (const [bad, field, good] of cases) {
      expect(refusal(bad), JSON.stringify(bad).slice(0, 200)).toEqual({ code: 'invalid_mls_message', field })
      expect(refusal(good), JSON.stringify(good).slice(0, 200)).toBe('accepted')
    }
    expect(refusal('not json')).toEqual({ code: 'invalid_mls_message', field: 'content' })
    expect(refusal('[1,2]')).toEqual({ code: 'invalid_mls_message', field: 'content' })
    expect(() => decodeContent(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(CandorError)
  })

  it('refuses to encode what a reader would refuse, as the caller’s bad request', () => {
    const bad = { type: 'text', id: ID as MessageId, sentAt: 1, seen: {}, text: 'x'.repeat(CONTENT_LIMITS.textBytes + 1) } as const
    expect(() => encodeContent(bad)).toThrow(expect.objectContaining({ code: 'bad_request' }))
    const fake = { type: 'unsupported', v: 2, wireType: 'x', seen: {} } as unknown as Parameters<typeof encodeContent>[0]
    expect(() => encodeContent(fake)).toThrow(expect.objectContaining({ code: 'bad_request' }))
  })

  it('throws nothing but CandorError on arbitrary JSON, and returns on every version it does not know', () => {
    const anyJson = fc.oneof(
      fc.jsonValue(),
      fc.record({ v: fc.oneof(fc.constantFrom(1, 2), fc.jsonValue()), type: fc.oneof(fc.constantFrom(...Object.keys(everyType), 'unsupported'), fc.jsonValue()) }).chain((base) =>
        fc.dictionary(fc.constantFrom('id', 'sentAt', 'seen', 'timer', 'text', 'target', 'emoji', 'on', 'ids', 'kind', 'seconds', 'name', 'avatar', 'added', 'removed', 'reason', 'leftOut', 'previousGroup', 'org', 'policyVersion', 'attachments', 'mentions', 'replyTo'), fc.jsonValue()).map((d) => ({ ...d, ...base })),
      ),
    )
    fc.assert(
      fc.property(anyJson, (o) => {
        let out
        try {
          out = decodeContent(json(o))
        } catch (e) {
          expect(e).toBeInstanceOf(CandorError)
          expect((e as CandorError).code).toBe('invalid_mls_message')
          return
        }
        expect(typeof out.type).toBe('string')
      }),
      { numRuns: 2000 },
    )
  })

  it('throws nothing but CandorError on arbitrary bytes and on the deepest and largest inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          decodeContent(b)
        } catch (e) {
          expect(e).toBeInstanceOf(CandorError)
        }
      }),
      { numRuns: 2000 },
    )
    for (const evil of ['['.repeat(128 * 1024), '{"a":'.repeat(26_000), JSON.stringify(v2('text', { text: 'a', mentions: Array(20_000).fill('bob') }))]) {
      expect(() => decodeContent(utf8(evil))).toThrow(CandorError)
    }
    expect(() => decodeContent(new Uint8Array(200 * 1024))).toThrow(expect.objectContaining({ code: 'invalid_mls_message', details: { field: 'content' } }))
  })
})

import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { FrameType, decodeClientFrame, decodeServerFrame, encodeAccepted, encodeAck, encodeAuth, encodeDeliver, encodeError, encodeNotice, encodeSend } from './frames.ts'
import { newDeviceId, newGroupId, newMessageId, type DeviceId, type GroupId, type MessageId } from './ids.ts'
import { LIMITS } from './limits.ts'

describe('delivery frames', () => {
  it('round-trip send, ack, accepted, error, deliver and notice', () => {
    const send = { reqId: 7, messageId: newMessageId(), groupId: newGroupId(), payload: new Uint8Array([1, 2, 3]) }
    expect(decodeClientFrame(encodeSend(send))).toMatchObject({ type: 'send', ...send })
    expect(decodeClientFrame(encodeAck([1, 2, 2 ** 40]))).toEqual({ type: 'ack', seqs: [1, 2, 2 ** 40] })
    expect(decodeServerFrame(encodeAccepted(9, 1234))).toEqual({ type: 'accepted', reqId: 9, sentAt: 1234 })
    expect(decodeServerFrame(encodeError(3, 'stale_epoch', 'behind'))).toEqual({ type: 'error', reqId: 3, code: 'stale_epoch', message: 'behind' })
    const d = { seq: 5, kind: 1 as const, messageId: newMessageId(), groupId: newGroupId(), sentAt: 99, sender: newDeviceId(), payload: new Uint8Array([9]) }
    expect(decodeServerFrame(encodeDeliver(d))).toEqual({ type: 'deliver', ...d })
    expect(decodeServerFrame(encodeNotice({ kind: 'synced' }))).toEqual({ type: 'notice', notice: { kind: 'synced' } })
  })

  it('round-trip the full range of request ids, seqs and timestamps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 2 ** 47 }), (reqId, seq, sentAt) => {
        const send = { reqId, messageId: newMessageId(), groupId: newGroupId(), payload: new Uint8Array([4]) }
        expect(decodeClientFrame(encodeSend(send))).toMatchObject({ type: 'send', ...send })
        expect(decodeServerFrame(encodeAccepted(reqId, sentAt))).toEqual({ type: 'accepted', reqId, sentAt })
        const d = { seq, kind: 0 as const, messageId: newMessageId(), groupId: newGroupId(), sentAt, sender: newDeviceId(), payload: new Uint8Array([1, 2]) }
        expect(decodeServerFrame(encodeDeliver(d))).toEqual({ type: 'deliver', ...d })
      }),
    )
  })

  it('reject malformed and oversized client frames with specific codes, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        try {
          decodeClientFrame(b)
        } catch (e) {
          expect(['malformed_frame', 'frame_too_large']).toContain((e as { code?: string }).code)
        }
      }),
    )
    expect(() => decodeClientFrame(new Uint8Array(LIMITS.wsFrameBytes + 1))).toThrow(expect.objectContaining({ code: 'frame_too_large' }))
    expect(() => decodeClientFrame(encodeAck([0]))).toThrow(expect.objectContaining({ code: 'malformed_frame' }))
    expect(() => decodeClientFrame(new Uint8Array([0x02, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1]))).toThrow(expect.objectContaining({ code: 'malformed_frame' }))
  })

  it('round-trip an auth frame and refuse one that cannot carry a session token', () => {
    const token = 'kid-1.ZGV2aWNlLmFuYS4xNzY0NTAwMDAwMDAw.' + 'A'.repeat(43)
    expect(encodeAuth(token)[0]).toBe(FrameType.auth)
    expect(decodeClientFrame(encodeAuth(token))).toEqual({ type: 'auth', token })
    const bad = [
      new Uint8Array([FrameType.auth]),
      encodeAuth('a'.repeat(LIMITS.sessionTokenBytes + 1)),
      encodeAuth('no-dots-at-all'),
      encodeAuth('a.b.c d'),
      encodeAuth('a.b.c\n'),
      encodeAuth('a..c'),
      new Uint8Array([FrameType.auth, 0x61, 0x2e, 0xc3, 0xa9, 0x2e, 0x62]),
    ]
    for (const b of bad) expect(() => decodeClientFrame(b)).toThrow(expect.objectContaining({ code: 'malformed_frame' }))
    expect(decodeServerFrame(encodeNotice({ kind: 'session_ended', reason: 'revoked' }))).toEqual({ type: 'notice', notice: { kind: 'session_ended', reason: 'revoked' } })
  })

  it('encode only canonical ids, naming the field that is not', () => {
    const d = { seq: 5, kind: 0 as const, messageId: newMessageId(), groupId: newGroupId(), sentAt: 99, sender: newDeviceId(), payload: new Uint8Array([9]) }
    const spelt = 'AAAAAAAAAAAAAAAAAAAAAB'
    expect(() => encodeDeliver({ ...d, messageId: spelt as MessageId })).toThrow(expect.objectContaining({ code: 'bad_request', message: expect.stringMatching(/^messageId: /) }))
    expect(() => encodeDeliver({ ...d, groupId: spelt as GroupId })).toThrow(/^groupId: /)
    expect(() => encodeDeliver({ ...d, sender: spelt as DeviceId })).toThrow(/^sender: /)
    expect(() => encodeSend({ reqId: 1, messageId: spelt as MessageId, groupId: d.groupId, payload: d.payload })).toThrow(/^messageId: /)
  })

  it('refuse deliver and accepted frames whose numbers are out of range', () => {
    const d = { seq: 5, kind: 0 as const, messageId: newMessageId(), groupId: newGroupId(), sentAt: 99, sender: newDeviceId(), payload: new Uint8Array([9]) }
    for (const bad of [{ seq: 0 }, { seq: 1.5 }, { sentAt: -1 }, { sentAt: NaN }]) {
      expect(() => decodeServerFrame(encodeDeliver({ ...d, ...bad }))).toThrow(expect.objectContaining({ code: 'malformed_frame' }))
    }
    expect(() => decodeServerFrame(encodeAccepted(1, 2 ** 60))).toThrow(expect.objectContaining({ code: 'malformed_frame', message: expect.stringMatching(/^sentAt: /) }))
  })

  // Found by `npm run fuzz`: a notice was handed on as whatever JSON it held, and the SDK's
  // socket handler threw a TypeError reading `null`'s kind or a session end without a reason.
  it('decode only well-formed notices of a known kind; anything else is malformed_frame', () => {
    const notices = [
      { kind: 'synced' },
      { kind: 'key_packages_low', remaining: 3 },
      { kind: 'enrolment_request', requestId: 'AAAAAAAAAAAAAAAAAAAAAA' },
      { kind: 'device_revoked', deviceId: 'AQEBAQEBAQEBAQEBAQEBAQ' },
      { kind: 'device_recovered', deviceId: 'AQEBAQEBAQEBAQEBAQEBAQ' },
      { kind: 'contact_request', requestId: 'AAAAAAAAAAAAAAAAAAAAAA', from: 'alice@acme.example', groupId: 'AQEBAQEBAQEBAQEBAQEBAQ' },
      { kind: 'request_settled', requestId: 'AAAAAAAAAAAAAAAAAAAAAA', state: 'accepted' },
      { kind: 'request_settled', requestId: 'AAAAAAAAAAAAAAAAAAAAAA', state: 'declined' },
      { kind: 'legal_holds_changed' },
      ...['revoked', 'suspended', 'erased', 'expired', 'logged_out'].map((reason) => ({ kind: 'session_ended', reason })),
    ]
    for (const n of notices) expect(decodeServerFrame(encodeNotice(n as never))).toEqual({ type: 'notice', notice: n })
    const raw = (text: string) => Uint8Array.from([FrameType.notice, ...new TextEncoder().encode(text)])
    for (const bad of [
      'null',
      '[]',
      '"synced"',
      '7',
      '{}',
      '{"kind":5}',
      '{"kind":"later-kind"}',
      '{"kind":"session_ended"}',
      '{"kind":"session_ended","reason":"bored"}',
      '{"kind":"key_packages_low","remaining":"3"}',
      '{"kind":"key_packages_low","remaining":-1}',
      '{"kind":"enrolment_request"}',
      '{"kind":"device_revoked","deviceId":7}',
      '{"kind":"device_recovered","deviceId":7}',
      '{"kind":"synced","extra":1}',
      '{"kind":"legal_holds_changed","case":"LH-1"}',
      '{"kind":"contact_request","requestId":"AAAAAAAAAAAAAAAAAAAAAA","groupId":"AQEBAQEBAQEBAQEBAQEBAQ"}',
      '{"kind":"contact_request","requestId":"AAAAAAAAAAAAAAAAAAAAAA","from":"","groupId":"AQEBAQEBAQEBAQEBAQEBAQ"}',
      '{"kind":"contact_request","requestId":"A","from":"a","groupId":"B","held":3}',
      '{"kind":"request_settled","requestId":"AAAAAAAAAAAAAAAAAAAAAA","state":"pending"}',
      '{"kind":"request_settled","requestId":"AAAAAAAAAAAAAAAAAAAAAA"}',
    ]) {
      expect(() => decodeServerFrame(raw(bad)), bad).toThrow(expect.objectContaining({ code: 'malformed_frame' }))
    }
  })
})

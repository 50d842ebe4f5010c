import { describe, expect, it } from 'vitest'
import type { MessageRecord } from '@candor/sdk'
import { formatFailure, formatMessage, messageJson } from './output.ts'

const base: MessageRecord = {
  id: 'AAAAAAAAAAAAAAAAAAAAAA',
  conversation: 'AQEBAQEBAQEBAQEBAQEBAQ',
  from: 'alice',
  fromDevice: 'AgICAgICAgICAgICAgICAg',
  text: 'hi',
  sentAt: Date.UTC(2026, 0, 2, 3, 4, 5),
  receivedAt: 0,
  direction: 'in',
}

describe('read output', () => {
  it('shows a message this version cannot show from its sender, marked, and as kind "unsupported" in JSON', () => {
    const m: MessageRecord = { ...base, kind: 'unsupported', text: 'This message is not supported by this version of Candor (type "poll").' }
    expect(formatMessage(m)).toBe('[2026-01-02 03:04:05] (AQEBAQEB) alice: [This message is not supported by this version of Candor (type "poll").]')
    expect(messageJson(m)).toEqual({ conversation: m.conversation, from: 'alice', fromDevice: m.fromDevice, text: m.text, id: m.id, sentAt: m.sentAt, kind: 'unsupported' })
  })

  it('keeps text messages and timer notices as they were (control)', () => {
    expect(formatMessage(base)).toBe('[2026-01-02 03:04:05] (AQEBAQEB) alice: hi')
    expect(messageJson(base)).not.toHaveProperty('kind')
    const t: MessageRecord = { ...base, kind: 'timer', timerMs: 60_000, text: 'alice set disappearing messages to 1 minute' }
    expect(formatMessage(t)).toBe('[2026-01-02 03:04:05] (AQEBAQEB) * alice set disappearing messages to 1 minute')
    expect(messageJson(t)).toMatchObject({ kind: 'timer', timerMs: 60_000 })
  })

  it('shows a message that could not be decrypted as a notice, and as kind "notice" with notice.type "undecryptable" in JSON', () => {
    const m: MessageRecord = {
      ...base,
      kind: 'undecryptable',
      text: 'A message from alice could not be decrypted (it did not decrypt).',
      undecryptable: { messageId: base.id, sender: base.fromDevice, epoch: 3, kind: 'application', reason: 'decrypt_failed', reported: true },
    }
    expect(formatMessage(m)).toBe('[2026-01-02 03:04:05] (AQEBAQEB) * A message from alice could not be decrypted (it did not decrypt).')
    expect(messageJson(m)).toEqual({
      conversation: m.conversation,
      from: 'alice',
      fromDevice: m.fromDevice,
      text: m.text,
      id: m.id,
      sentAt: m.sentAt,
      kind: 'notice',
      notice: { type: 'undecryptable', target: { messageId: base.id, sender: base.fromDevice, epoch: 3, kind: 'application' }, reason: 'decrypt_failed' },
    })
  })

  it('shows a reset as a notice, and as kind "notice" with notice.type "reset" in JSON', () => {
    const leftOut = [{ userId: 'mallory', deviceId: 'AwMDAwMDAwMDAwMDAwMDAw' }]
    const m: MessageRecord = {
      ...base,
      direction: 'out',
      kind: 'reset',
      text: 'alice reset the conversation; you may have missed messages. Left out: mallory (anyone can add them back).',
      reset: { previousGroup: base.conversation, group: 'BAQEBAQEBAQEBAQEBAQEBA', leftOut, reason: 'a commit could not be processed' },
    }
    expect(formatMessage(m)).toBe('[2026-01-02 03:04:05] (AQEBAQEB) * alice reset the conversation; you may have missed messages. Left out: mallory (anyone can add them back).')
    expect(messageJson(m)).toEqual({
      conversation: m.conversation,
      from: 'alice',
      fromDevice: m.fromDevice,
      text: m.text,
      id: m.id,
      sentAt: m.sentAt,
      kind: 'notice',
      notice: { type: 'reset', previousGroup: base.conversation, leftOut, reason: 'a commit could not be processed' },
    })
  })

  it('shows a rejoin as a notice, and as kind "notice" with notice.type "rejoined" in JSON', () => {
    const m: MessageRecord = { ...base, direction: 'out', kind: 'rejoined', text: 'You rejoined the conversation; messages sent while you could not read may be missing.' }
    expect(formatMessage(m)).toBe('[2026-01-02 03:04:05] (AQEBAQEB) * You rejoined the conversation; messages sent while you could not read may be missing.')
    expect(messageJson(m)).toEqual({ conversation: m.conversation, from: 'alice', fromDevice: m.fromDevice, text: m.text, id: m.id, sentAt: m.sentAt, kind: 'notice', notice: { type: 'rejoined' } })
  })

  it('gives the person’s own messages a status, failed with failedFor when a recipient could not decrypt', () => {
    const mine: MessageRecord = { ...base, direction: 'out' }
    expect(messageJson(mine)).toMatchObject({ status: 'sent' })
    expect(messageJson(mine)).not.toHaveProperty('failedFor')
    const failedFor = [{ userId: 'bob', deviceId: 'AwMDAwMDAwMDAwMDAwMDAw', reason: 'decrypt_failed' as const }]
    expect(messageJson({ ...mine, status: 'failed', failedFor })).toMatchObject({ status: 'failed', failedFor })
    expect(messageJson(base)).not.toHaveProperty('status')
    const f = { n: 1, conversation: base.conversation, messageId: base.id, at: base.sentAt, ...failedFor[0]! }
    expect(formatFailure(f, mine)).toBe('[2026-01-02 03:04:05] (AQEBAQEB) ! your message "hi" was not delivered to bob\'s device AwMDAwMD: could not decrypt')
  })
})

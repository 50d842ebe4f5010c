import { describe, expect, it } from 'vitest'
import { commitRequest, registerRequest } from './http-api.ts'
import { newMessageId, type MessageId } from './ids.ts'
import { toBase64Url } from './bytes.ts'

describe('HTTP schemas built from the field parsers', () => {
  const commit = () => ({ messageId: newMessageId(), commit: toBase64Url(new Uint8Array([0, 1, 0, 1])), groupInfo: toBase64Url(new Uint8Array([0, 1, 0, 4])) })

  it('output the canonical values, branded', () => {
    const body = commit()
    const parsed = commitRequest.parse(body)
    const id: MessageId = parsed.messageId
    expect(id).toBe(body.messageId)
  })

  it('refuse a non-canonical id anywhere in the body, with the path and the parser’s reason', () => {
    const poisoned = 'AAAAAAAAAAAAAAAAAAAAAB'
    for (const [path, body] of [
      ['messageId', { ...commit(), messageId: poisoned }],
      ['groupInfo', { ...commit(), groupInfo: 'AB' }],
      ['commit', { ...commit(), commit: 'AB' }],
    ] as const) {
      const r = commitRequest.safeParse(body)
      expect(r.success).toBe(false)
      expect(r.error?.issues[0]?.path.join('.')).toBe(path)
      expect(r.error?.issues[0]?.message).toMatch(/canonical/)
    }
  })

  it('refuse user ids that are not canonical and device names with control characters', () => {
    const base = { userId: 'alice@acme.example', publicKey: toBase64Url(new Uint8Array(32)), deviceName: 'laptop', signature: toBase64Url(new Uint8Array(64)) }
    expect(registerRequest.parse(base).userId).toBe('alice@acme.example')
    expect(registerRequest.safeParse({ ...base, userId: 'Alice@acme.example' }).error?.issues[0]?.message).toBe('must be lower case')
    expect(registerRequest.safeParse({ ...base, deviceName: 'lap\ntop' }).success).toBe(false)
    expect(registerRequest.safeParse({ ...base, userId: undefined }).error?.issues[0]?.path).toEqual(['userId'])
  })
})

// The pure parts of the web client, without a browser.
import { describe, expect, it } from 'vitest'
import { CandorError } from '@candor/protocol'
import { deviceCode } from '../src/components/device-code.tsx'
import { href, parseRoute, type Route } from '../src/router.ts'
import { alertText } from '../src/state/alert-text.ts'
import { sameKeys } from '../src/state/contact-keys.ts'
import { errorText } from '../src/state/error-text.ts'
import { failedForText } from '../src/state/delivery-failure-text.ts'

describe('routes', () => {
  const routes: Route[] = [
    { name: 'home' },
    { name: 'new' },
    { name: 'settings' },
    { name: 'conversation', id: 'AbC-_123' },
    { name: 'info', id: 'AbC-_123' },
    { name: 'safety', id: 'AbC-_123', userId: 'bob.smith' },
    { name: 'admin', tab: 'policy' },
    { name: 'invite', secret: 'AbC-_123' },
    { name: 'join', secret: 'AbC-_123' },
  ]
  it.each(routes)('round-trips $name', (r) => {
    expect(parseRoute(href(r))).toEqual(r)
  })
  it('sends unknown or incomplete addresses to the nearest screen', () => {
    for (const h of ['', '#', '#/nope', '#/c', '#/c//info', '#/join', '#/join/']) expect(parseRoute(h)).toEqual({ name: 'home' })
    expect(parseRoute('#/c/x/safety')).toEqual({ name: 'conversation', id: 'x' })
    expect(parseRoute('#/admin')).toEqual({ name: 'admin', tab: 'people' })
  })
})

describe('texts', () => {
  it('says which recipient device could not decrypt a message, by name when known', () => {
    const f = { userId: 'bob', deviceId: 'AwMDAwMDAwMDAwMDAwMDAw', reason: 'decrypt_failed' as const }
    expect(failedForText(f, 'laptop')).toBe("Not delivered to bob's laptop: could not decrypt")
    expect(failedForText({ ...f, reason: 'epoch_unavailable' }, undefined)).toBe("Not delivered to bob's device AwMDAwMD: their device missed a change to the conversation")
  })

  it('explains the errors people can act on and passes others through', () => {
    expect(errorText(new CandorError('unknown_user', 'no user bob'))).toBe('There is no one with that user name.')
    expect(errorText(new CandorError('internal', 'boom'))).toBe('boom')
    expect(errorText(new Error('plain'))).toBe('plain')
    expect(errorText('odd')).toBe('odd')
  })
  it('says which contact was shown a different directory or access log, and what to do', () => {
    const split = { kind: 'split_view', userId: 'bob', deviceId: 'dev1', checkpoint: { size: 3, root: 'r' }, reason: 'the log forked' } as const
    expect(alertText({ ...split, log: 'directory' })).toMatch(/showed bob \(device dev1\) a different key directory .*the log forked.*safety numbers/)
    expect(alertText({ ...split, log: 'accessLog' })).toMatch(/different access log/)
    expect(alertText({ kind: 'unverified_device', userId: 'bob', deviceId: 'dev1' })).toMatch(/not proven by the key directory/)
  })
  it('shows device ids as three groups of four', () => {
    expect(deviceCode('abcd-efgh_ijklmnop')).toBe('abcd efgh ijkl')
  })
  it('compares sorted key sets exactly', () => {
    expect(sameKeys(['a', 'b'], ['a', 'b'])).toBe(true)
    expect(sameKeys(['a', 'b'], ['a'])).toBe(false)
    expect(sameKeys(['a', 'b'], ['a', 'c'])).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import type { DeviceId, UserId } from '@candor/protocol'
import { generateServerKeys, type TokenKey } from '../keys/server-keys.ts'
import { TokenIssuer } from './tokens.ts'

const device = 'AAAAAAAAAAAAAAAAAAAAAA' as DeviceId
const session = (userId = 'ana', expiresAt = Date.now() + 60_000) => ({ deviceId: device, userId: userId as UserId, expiresAt })
const keyOf = (id: string, signsFrom: number): TokenKey => ({ ...generateServerKeys().tokenKeys[0]!, id, signsFrom })

describe('session tokens', () => {
  it('round-trips user ids with dots (archive.acme, bot.x) and refuses a changed token', () => {
    const t = new TokenIssuer(generateServerKeys().tokenKeys)
    for (const userId of ['ana', 'archive.acme', 'bot.deploy.eu']) {
      const s = session(userId)
      const token = t.issue(s)
      expect(t.verify(token)).toEqual(s)
      expect(t.verify(`${token.slice(0, -2)}xx`)).toBeNull()
    }
    expect(t.verify(t.issue(session('archive.acme', 1)))).toBeNull()
  })

  it('names the signing key; the newest key signs and every listed key verifies', () => {
    const old = keyOf('old', 1_000)
    const now = Date.now()
    const before = new TokenIssuer([old])
    const tokenOfOld = before.issue(session())
    expect(tokenOfOld.startsWith('old.')).toBe(true)

    const rotated = new TokenIssuer([old, keyOf('new', now - 1)])
    expect(rotated.issue(session()).startsWith('new.')).toBe(true)
    expect(rotated.verify(tokenOfOld)).toMatchObject({ deviceId: device, userId: 'ana' })
    const challenge = before.challenge(device, 60_000).challenge
    expect(rotated.checkChallenge(device, challenge)).not.toBeNull()

    // Once the old key is dropped, what it signed is refused.
    const dropped = new TokenIssuer([keyOf('new', now - 1)])
    expect(dropped.verify(tokenOfOld)).toBeNull()
    expect(dropped.checkChallenge(device, challenge)).toBeNull()
  })

  it('a key due to sign later only verifies until then', () => {
    const now = Date.now()
    const t = new TokenIssuer([keyOf('current', now - 10_000), keyOf('next', now + 60_000)])
    expect(t.issue(session(), now).startsWith('current.')).toBe(true)
    expect(t.issue(session(), now + 60_000).startsWith('next.')).toBe(true)
  })

  it('refuses a token whose key id was swapped for another listed key, a two-part token and an unknown key id', () => {
    const a = keyOf('a', 1)
    const b = keyOf('b', 2)
    const t = new TokenIssuer([a, b])
    const token = t.issue(session())
    const [, body, mac] = token.split('.')
    expect(t.verify(`a.${body}.${mac}`)).toBeNull()
    expect(t.verify(`${body}.${mac}`)).toBeNull()
    expect(t.verify(`zz.${body}.${mac}`)).toBeNull()
    expect(t.verify(token)).not.toBeNull()
  })

  it('a token of one server is refused by a server with other keys, and a challenge is not a session', () => {
    const mine = new TokenIssuer(generateServerKeys().tokenKeys)
    const theirs = new TokenIssuer(generateServerKeys().tokenKeys)
    expect(mine.verify(theirs.issue(session()))).toBeNull()
    const { challenge } = mine.challenge(device, 60_000)
    expect(mine.verify(challenge)).toBeNull()
  })
})

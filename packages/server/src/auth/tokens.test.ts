import { describe, expect, it } from 'vitest'
import type { DeviceId, UserId } from '@candor/protocol'
import { TokenIssuer } from './tokens.ts'

describe('session tokens', () => {
  it('round-trips user ids with dots (archive.acme, bot.x) and refuses a changed token', () => {
    const t = new TokenIssuer(TokenIssuer.newSecret())
    for (const userId of ['ana', 'archive.acme', 'bot.deploy.eu']) {
      const s = { deviceId: 'AAAAAAAAAAAAAAAAAAAAAA' as DeviceId, userId: userId as UserId, expiresAt: Date.now() + 60_000 }
      const token = t.issue(s)
      expect(t.verify(token)).toEqual(s)
      expect(t.verify(`${token.slice(0, -2)}xx`)).toBeNull()
    }
    expect(t.verify(t.issue({ deviceId: 'AAAAAAAAAAAAAAAAAAAAAA' as DeviceId, userId: 'archive.acme' as UserId, expiresAt: 1 }))).toBeNull()
  })
})

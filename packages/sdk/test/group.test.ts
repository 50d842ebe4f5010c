import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nextMessage, startDevEnv, waitFor, type DevEnv } from './dev-env.ts'

describe('group conversation of five', () => {
  let env: DevEnv
  beforeAll(async () => {
    env = await startDevEnv()
  })
  afterAll(async () => {
    await env.close()
  })

  it('adds and removes members; a removed member cannot read what follows', async () => {
    const [a, b, c, d, e] = await Promise.all(['ann', 'ben', 'cat', 'dan', 'eve'].map((u) => env.user(u)))
    const group = await a!.createConversation(['ben', 'cat', 'dan'])
    await waitFor(() => [b, c, d].every((x) => x!.conversations().some((v) => v.id === group)), 'members to join')

    await a!.addMembers(group, ['eve'])
    await waitFor(() => e!.conversations().some((v) => v.id === group), 'eve to join')

    const all = [a, b, c, d, e]
    const got = all.filter((x) => x !== c).map((x) => nextMessage(x!, (m) => m.text === 'from cat'))
    await c!.send(group, 'from cat')
    for (const m of await Promise.all(got)) expect(m.from).toBe('cat')
    expect((await a!.whoCanRead(group)).map((r) => r.userId)).toEqual(['ann', 'ben', 'cat', 'dan', 'eve'])

    await b!.removeMembers(group, ['dan'])
    await waitFor(() => d!.conversations().find((v) => v.id === group)?.status === 'removed', 'dan to see his removal')
    await waitFor(() => a!.conversations().find((v) => v.id === group)?.epoch === b!.conversations().find((v) => v.id === group)?.epoch, 'ann to catch up')

    const danSaw: string[] = []
    d!.on('message', (m) => danSaw.push(m.text))
    const stillIn = [a, b, c].map((x) => nextMessage(x!, (m) => m.text === 'after dan left'))
    await e!.send(group, 'after dan left')
    await Promise.all(stillIn)
    await d!.sync()
    expect(danSaw).not.toContain('after dan left')
    expect((await d!.history(group)).map((m) => m.text)).not.toContain('after dan left')
    expect((await e!.whoCanRead(group)).map((r) => r.userId)).toEqual(['ann', 'ben', 'cat', 'eve'])
    // The server no longer routes the group's messages to dan's device.
    const g = await env.server.context.store.getGroup(group as never)
    expect(g?.members).not.toContain(d!.deviceId)

    // A removed member can be invited back and reads again.
    await a!.addMembers(group, ['dan'])
    await waitFor(() => d!.conversations().find((v) => v.id === group)?.status === 'active', 'dan to rejoin')
    const back = nextMessage(d!, (m) => m.text === 'welcome back')
    await c!.send(group, 'welcome back')
    expect((await back).from).toBe('cat')

    // Leaving: eve leaves, a remaining member commits her removal.
    await e!.leave(group)
    await waitFor(async () => !(await a!.whoCanRead(group)).some((r) => r.userId === 'eve'), 'eve to be removed after leaving')
  })
})

import { describe, expect, it } from 'vitest'
import { CandorError, toBase64Url, utf8, type CheckpointRef } from '@candor/protocol'
import { MerkleLog, merkleLeafHash } from '@candor/transparency'
import { MemoryLocalStore } from './local-store.ts'
import type { LogView } from './split-view-check.ts'
import { SplitViewMonitor, type SplitViewAlert } from './split-view-monitor.ts'

function log(prefix: string, n: number): MerkleLog {
  const l = new MerkleLog()
  for (let i = 0; i < n; i++) l.append(merkleLeafHash(utf8(`${prefix} ${i}`)))
  return l
}
const at = (l: MerkleLog, size: number): CheckpointRef => ({ size, root: toBase64Url(l.root(size)) })

/** The access log as this device's server answers it; `fail` decides what each consistency request meets first. */
function view(server: MerkleLog, fail: () => CandorError | undefined = () => undefined): LogView & { asked: number } {
  const v = {
    name: 'accessLog' as const,
    asked: 0,
    latest: async () => at(server, 4),
    refresh: async () => at(server, server.size),
    async consistency(from: number, to: number) {
      v.asked++
      const e = fail()
      if (e) throw e
      return server.consistencyProof(from, to)
    },
  }
  return v
}

function monitor(logs: LogView[], store = new MemoryLocalStore()) {
  const raised: SplitViewAlert[] = []
  const errors: unknown[] = []
  const m = new SplitViewMonitor({ logs, store, alert: (a) => raised.push(a), error: (_w, e) => errors.push(e), firstRetryMs: 20 })
  return { m, raised, errors, store }
}

const alice = { userId: 'alice', deviceId: 'AAAAAAAAAAAAAAAAAAAAAA' }
const alice2 = { userId: 'alice', deviceId: 'AQEBAQEBAQEBAQEBAQEBAQ' }

/** Waits (bounded by time, generous for a loaded machine) for `cond`; the assertions after it decide. */
async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 30_000
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10))
}

describe('split-view monitor', () => {
  it('raises one alert per sender device and checkpoint, kept in the store and not raised again after a restart', async () => {
    const server = log('leaf', 8)
    const forked = at(log('fork', 8), 2)
    const { m, raised, store } = monitor([view(server)])
    m.observe(alice, { accessLog: forked })
    m.observe(alice2, { accessLog: forked })
    await m.settled()
    m.observe(alice, { accessLog: forked })
    await m.settled()
    expect(raised).toEqual([
      expect.objectContaining({ kind: 'split_view', log: 'accessLog', userId: 'alice', deviceId: alice.deviceId, checkpoint: forked }),
      expect.objectContaining({ kind: 'split_view', log: 'accessLog', userId: 'alice', deviceId: alice2.deviceId, checkpoint: forked }),
    ])
    const again = monitor([view(server)], store)
    again.m.observe(alice, { accessLog: forked })
    await again.m.settled()
    expect(again.raised).toEqual([])
    expect(await again.m.alerts()).toEqual(raised)
    // Negative control: a checkpoint of the same history raises nothing.
    const honest = monitor([view(server)])
    honest.m.observe(alice, { accessLog: at(server, 2), directory: forked })
    await honest.m.settled()
    expect(honest.raised).toEqual([])
  })

  it('retries a check the network interrupted without raising anything, then makes it', async () => {
    const server = log('leaf', 8)
    let down = 3
    const v = view(server, () => (down-- > 0 ? new CandorError('unavailable', 'cannot reach the server') : undefined))
    const { m, raised, errors } = monitor([v])
    m.observe(alice, { accessLog: at(server, 2) })
    await m.settled()
    expect(raised).toEqual([])
    await until(() => v.asked === 4)
    await m.settled()
    expect(v.asked).toBe(4)
    expect(raised).toEqual([])
    expect(errors).toEqual([])
  })

  it('treats a server that keeps failing to give a proof as refusing, once it has been asked enough times', async () => {
    const server = log('leaf', 8)
    const v = view(server, () => new CandorError('internal', 'HTTP 500'))
    const { m, raised } = monitor([v])
    m.observe(alice, { accessLog: at(server, 2) })
    await until(() => raised.length > 0)
    expect(raised).toEqual([expect.objectContaining({ kind: 'split_view', reason: expect.stringMatching(/kept failing/) })])
    expect(v.asked).toBe(6)
  })

  it('stamps this device’s own latest checkpoints as seen, leaving out a log it has none of', async () => {
    const server = log('leaf', 8)
    const none: LogView = { ...view(server), name: 'directory', latest: async () => undefined }
    expect(await monitor([view(server), none]).m.seen()).toEqual({ accessLog: at(server, 4) })
  })
})

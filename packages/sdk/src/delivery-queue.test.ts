// The delivery queue: acknowledge only what was processed; a failure holds its group (in
// order) and is retried with capped, jittered exponential backoff while other groups go on;
// a redelivery of the same seq is never processed twice.
import { describe, expect, it } from 'vitest'
import { newGroupId, newMessageId, newDeviceId, type DeliverFrame, type GroupId } from '@candor/protocol'
import { DeliveryQueue } from './delivery-queue.ts'

const G1 = newGroupId()
const G2 = newGroupId()
const sender = newDeviceId()

function frame(seq: number, groupId: GroupId): DeliverFrame {
  return { type: 'deliver', seq, kind: 0, messageId: newMessageId(), groupId, sentAt: seq, sender, payload: new Uint8Array([seq]) }
}

/** A queue whose processing fails while `failing` holds for the seq, recording what it processed and acknowledged. */
function harness(fails: (f: DeliverFrame, attempt: number) => boolean, backoff = { baseMs: 20, capMs: 80 }) {
  const processed: number[] = []
  const acked: number[] = []
  const attempts = new Map<number, number[]>()
  const held: number[] = []
  const q = new DeliveryQueue(
    {
      async process(f) {
        const n = attempts.get(f.seq) ?? []
        n.push(Date.now())
        attempts.set(f.seq, n)
        if (fails(f, n.length)) throw new Error(`seq ${f.seq} not yet`)
        processed.push(f.seq)
      },
      ack: (seq) => acked.push(seq),
      held: (f) => held.push(f.seq),
    },
    backoff,
  )
  return { q, processed, acked, attempts, held }
}

/** A queue that logs what it processes, saves (then runs `save`) and acknowledges, in order. */
function loggingQueue(save: (log: string[]) => Promise<void>) {
  const log: string[] = []
  const q = new DeliveryQueue({
    async process(f) {
      log.push(`process ${f.seq}`)
    },
    ack: (seq) => log.push(`ack ${seq}`),
    async save() {
      log.push('save')
      await save(log)
    },
  })
  return { q, log }
}

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('DeliveryQueue', () => {
  it('processes in order and acknowledges each delivery after it is processed', async () => {
    const h = harness(() => false)
    for (let i = 1; i <= 5; i++) h.q.push(frame(i, G1))
    await h.q.idle()
    expect(h.processed).toEqual([1, 2, 3, 4, 5])
    expect(h.acked).toEqual([1, 2, 3, 4, 5])
  })

  it('holds a failed delivery unacknowledged, keeps its group in order behind it, lets other groups go on, and retries', async () => {
    const h = harness((f, attempt) => f.seq === 2 && attempt < 3)
    h.q.push(frame(1, G1))
    h.q.push(frame(2, G1))
    h.q.push(frame(3, G2))
    h.q.push(frame(4, G1))
    h.q.push(frame(5, G2))
    await h.q.idle()
    // Idle while the held group waits for its retry: the other group went on, nothing of G1 after 2.
    expect(h.processed).toEqual([1, 3, 5])
    expect(h.acked).toEqual([1, 3, 5])
    expect(h.held).toEqual([2])
    expect(h.q.heldGroups()).toEqual(new Map([[G1, 2]]))
    h.q.push(frame(6, G1))
    await until(() => h.processed.length === 6)
    expect(h.processed).toEqual([1, 3, 5, 2, 4, 6])
    expect(h.acked).toEqual(h.processed)
    expect(h.q.heldGroups().size).toBe(0)
    // The held group flows freely again.
    h.q.push(frame(7, G1))
    await h.q.idle()
    expect(h.processed.at(-1)).toBe(7)
  })

  it('backs off exponentially with jitter up to the cap, one attempt at a time', async () => {
    let inFlight = 0
    let most = 0
    const times: number[] = []
    const q = new DeliveryQueue(
      {
        async process() {
          inFlight++
          most = Math.max(most, inFlight)
          times.push(Date.now())
          await new Promise((r) => setTimeout(r, 1))
          inFlight--
          if (times.length < 8) throw new Error('not yet')
        },
        ack: () => undefined,
      },
      { baseMs: 10, capMs: 40 },
    )
    q.push(frame(1, G1))
    await until(() => times.length === 8)
    const gaps = times.slice(1).map((t, i) => t - times[i]!)
    // Delays are drawn from [d/2, d] for d = 10, 20, 40, 40, … (timers may run late on a loaded
    // machine; uncapped, the last would be at least 320 ms).
    const expected = [10, 20, 40, 40, 40, 40, 40]
    gaps.forEach((g, i) => {
      expect(g).toBeGreaterThanOrEqual(expected[i]! / 2 - 2)
      expect(g).toBeLessThan(expected[i]! + 250)
    })
    expect(most).toBe(1)
  })

  it('recognises a redelivered seq: queued ones are not queued twice, acknowledged ones are acknowledged again', async () => {
    let release: () => void = () => undefined
    const blocked = new Promise<void>((r) => (release = r))
    const processed: number[] = []
    const acked: number[] = []
    const q = new DeliveryQueue({
      async process(f) {
        if (f.seq === 1) await blocked
        processed.push(f.seq)
      },
      ack: (s) => acked.push(s),
    })
    const one = frame(1, G1)
    q.push(one)
    q.push(frame(2, G1))
    // The connection dropped and came back: the server pushes 1 and 2 again.
    q.push(one)
    q.push(frame(2, G1))
    release()
    await q.idle()
    expect(processed).toEqual([1, 2])
    q.push(one)
    expect(processed).toEqual([1, 2])
    expect(acked).toEqual([1, 2, 1])
  })

  it('retries held groups at once when asked (the connection came back)', async () => {
    let failing = true
    const h = harness(() => failing, { baseMs: 60_000, capMs: 60_000 })
    h.q.push(frame(1, G1))
    await h.q.idle()
    expect(h.processed).toEqual([])
    failing = false
    h.q.retryNow()
    await h.q.idle()
    expect(h.processed).toEqual([1])
    expect(h.acked).toEqual([1])
  })

  it('forgets what it holds when closed, acknowledging nothing more', async () => {
    const h = harness(() => true, { baseMs: 10, capMs: 10 })
    h.q.push(frame(1, G1))
    await h.q.idle()
    h.q.close()
    const tries = h.attempts.get(1)!.length
    await new Promise((r) => setTimeout(r, 50))
    expect(h.attempts.get(1)!.length).toBe(tries)
    expect(h.acked).toEqual([])
  })

  it('saves once per batch of ready deliveries and acknowledges them only after the save resolved', async () => {
    let release: () => void = () => undefined
    let saving = new Promise<void>((r) => (release = r))
    const { q, log } = loggingQueue(async (log) => {
      await saving
      log.push('saved')
    })
    for (let i = 1; i <= 4; i++) q.push(frame(i, i % 2 ? G1 : G2))
    await until(() => log.includes('save'))
    // Processed, saving: nothing acknowledged yet.
    expect(log).toEqual(['process 1', 'process 2', 'process 3', 'process 4', 'save'])
    // A redelivery of a processed, unsaved seq is not processed again.
    q.push(frame(2, G2))
    release()
    await q.idle()
    expect(log).toEqual(['process 1', 'process 2', 'process 3', 'process 4', 'save', 'saved', 'ack 1', 'ack 2', 'ack 3', 'ack 4'])
    saving = Promise.resolve()
    q.push(frame(5, G1))
    await q.idle()
    expect(log.slice(10)).toEqual(['process 5', 'save', 'saved', 'ack 5'])
  })

  it('a failed save acknowledges nothing and is tried again; closing before it succeeds acknowledges nothing', async () => {
    let fails = 2
    const acked: number[] = []
    const saves: number[] = []
    const q = new DeliveryQueue(
      {
        async process() {},
        ack: (seq) => acked.push(seq),
        async save() {
          saves.push(Date.now())
          if (fails-- > 0) throw new Error('disk full')
        },
      },
      { baseMs: 10, capMs: 20 },
    )
    q.push(frame(1, G1))
    q.push(frame(2, G1))
    await until(() => saves.length === 1)
    expect(acked).toEqual([])
    await until(() => acked.length === 2)
    expect(saves.length).toBe(3)
    expect(acked).toEqual([1, 2])

    fails = 1_000
    q.push(frame(3, G1))
    await until(() => saves.length >= 5)
    q.close()
    await new Promise((r) => setTimeout(r, 60))
    expect(acked).toEqual([1, 2])
  })

  it('processes, saves and acknowledges a delivery that arrived while the batch before it was being saved', async () => {
    let release: () => void = () => undefined
    const first = new Promise<void>((r) => (release = r))
    let saves = 0
    const { q, log } = loggingQueue(async () => {
      if (saves++ === 0) await first
    })
    q.push(frame(1, G1))
    await until(() => log.includes('save'))
    // Arrives while the only save in flight runs: nothing else will come to kick the queue.
    q.push(frame(2, G1))
    release()
    await until(() => log.includes('ack 2'), 2_000)
    expect(log).toEqual(['process 1', 'save', 'ack 1', 'process 2', 'save', 'ack 2'])
    await q.idle()
  })
})

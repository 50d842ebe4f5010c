// What the tabs of one browser pass each other: call arguments with callbacks and streams in
// them, errors that keep their code, an `error` event's payload — through a real
// BroadcastChannel (Node has the browser's), so each survives the structured clone.
import { describe, expect, it } from 'vitest'
import { CandorError } from '@candor/protocol'
import { blobStream, fromWireArg, fromWireError, fromWirePayload, toWireArg, toWireError, toWirePayload } from '../src/tabs/tab-messages.ts'

function throughChannel<T>(value: T): Promise<T> {
  const a = new BroadcastChannel('candor-tabs-test')
  const b = new BroadcastChannel('candor-tabs-test')
  return new Promise((resolve) => {
    b.onmessage = (e: MessageEvent<T>) => {
      a.close()
      b.close()
      resolve(e.data)
    }
    a.postMessage(value)
  })
}

describe('tab messages', () => {
  it('carry callbacks and streams inside a call’s arguments, and run the callbacks on the calling side', async () => {
    const seen: unknown[] = []
    const callbacks: Array<(...a: unknown[]) => unknown> = []
    const stream = new Blob([new Uint8Array([1, 2, 3])]).stream()
    const wire = await Promise.all(['conv', { name: 'a.txt', stream, size: 3, onProgress: (p: unknown) => seen.push(p) }].map((a) => toWireArg(a, callbacks)))
    const arrived = await throughChannel(wire)
    const args = arrived.map((a) => fromWireArg(a, (i) => (...x: unknown[]) => void callbacks[i]!(...x))) as [string, { name: string; stream: ReadableStream<Uint8Array>; size: number; onProgress(p: unknown): void }]
    expect(args[0]).toBe('conv')
    expect(args[1].name).toBe('a.txt')
    expect([...new Uint8Array(await new Response(args[1].stream).arrayBuffer())]).toEqual([1, 2, 3])
    args[1].onProgress({ done: 3, total: 3 })
    expect(seen).toEqual([{ done: 3, total: 3 }])
  })

  it('hand over a file’s stream as the file itself, unread; the leader streams it from there', async () => {
    const file = new Blob([new Uint8Array([4, 5, 6, 7])], { type: 'application/octet-stream' })
    const stream = blobStream(file)
    const wire = (await toWireArg({ stream }, [])) as { stream: { $stream: Blob } }
    // Not read on this side: the very Blob goes, and the stream was never touched.
    expect(wire.stream.$stream).toBe(file)
    expect(stream.locked).toBe(false)
    // (Node's BroadcastChannel cannot clone every Blob, a browser's can: the leader's side is run on the wire form here.)
    const arrived = fromWireArg(wire, () => () => undefined) as { stream: ReadableStream<Uint8Array> }
    expect([...new Uint8Array(await new Response(arrived.stream).arrayBuffer())]).toEqual([4, 5, 6, 7])
    // Any other stream is still read here into a Blob of its own.
    const other = new Blob([new Uint8Array([4, 5, 6, 7])]).stream()
    expect(((await toWireArg(other, [])) as { $stream: Blob }).$stream).not.toBe(file)
  })

  it('keep an error’s code, and rebuild an error event’s error', async () => {
    const e = fromWireError(await throughChannel(toWireError(new CandorError('not_member', 'gone', { details: { epoch: 3 } }))))
    expect(e).toBeInstanceOf(CandorError)
    expect((e as CandorError).code).toBe('not_member')
    expect((e as CandorError).details).toEqual({ epoch: 3 })
    expect(fromWireError(toWireError(new Error('plain')))).not.toBeInstanceOf(CandorError)
    const payload = fromWirePayload('error', await throughChannel(toWirePayload('error', { where: 'x', error: new CandorError('unavailable', 'down') }))) as { where: string; error: unknown }
    expect(payload.where).toBe('x')
    expect((payload.error as CandorError).code).toBe('unavailable')
  })
})

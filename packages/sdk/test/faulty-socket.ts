// A device's delivery socket with faults the test turns on: the network loses the device's
// acknowledgements (so the server pushes those deliveries again on the next connection), or
// the bytes of chosen deliveries arrive damaged (as from a broken or hostile server; a
// delivery pushed again is damaged again if the test still says so). The
// socket itself is the real one (`ws`), talking to the real server.
import { decodeServerFrame, type DeliverFrame } from '@candor/protocol'
import type { WebSocketFactory, WebSocketLike } from '../src/index.ts'
import { nodeWebSocket } from '../src/node/index.ts'

const ACK_FRAME = 0x02

export interface FaultySocket {
  factory: WebSocketFactory
  /** While true, acknowledgement frames the device sends are lost. */
  dropAcks: boolean
  /** Deliveries it says yes to arrive with the last byte of their payload flipped. */
  corrupt: (f: DeliverFrame) => boolean
}

export function faultySocket(base: WebSocketFactory = nodeWebSocket): FaultySocket {
  const faults: FaultySocket = {
    dropAcks: false,
    corrupt: () => false,
    factory: (url) => {
      const ws = base(url)
      const damaged = (data: unknown): unknown => {
        if (!(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) return data
        const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        let f
        try {
          f = decodeServerFrame(bytes)
        } catch {
          return data
        }
        if (f.type !== 'deliver' || !faults.corrupt(f)) return data
        // The payload is the frame's tail.
        const copy = new Uint8Array(bytes)
        copy[copy.length - 1]! ^= 0x01
        return copy.buffer
      }
      const wrapper: WebSocketLike = {
        get binaryType() {
          return ws.binaryType
        },
        set binaryType(t: string) {
          ws.binaryType = t
        },
        get readyState() {
          return ws.readyState
        },
        send(data: Uint8Array) {
          if (faults.dropAcks && data[0] === ACK_FRAME) return
          ws.send(data)
        },
        close: (code?: number, reason?: string) => ws.close(code, reason),
        set onopen(h: WebSocketLike['onopen']) {
          ws.onopen = h
        },
        get onopen() {
          return ws.onopen
        },
        set onclose(h: WebSocketLike['onclose']) {
          ws.onclose = h
        },
        get onclose() {
          return ws.onclose
        },
        set onerror(h: WebSocketLike['onerror']) {
          ws.onerror = h
        },
        get onerror() {
          return ws.onerror
        },
        set onmessage(h: WebSocketLike['onmessage']) {
          ws.onmessage = h && ((ev) => h({ data: damaged(ev.data) }))
        },
        get onmessage() {
          return ws.onmessage
        },
      }
      return wrapper
    },
  }
  return faults
}

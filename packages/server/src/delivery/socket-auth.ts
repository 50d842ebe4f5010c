// The first frame of every delivery socket is `auth` with the session token (docs/protocol.md §6):
// a token in a URL ends up in proxy and access logs, a frame does not. Until that frame has been
// checked, the socket belongs to nobody: nothing is subscribed and nothing is sent. Anything
// else first, or nothing in time, closes it with a code saying why; a refused token likewise.
import type { WebSocket } from 'ws'
import { CandorError, CloseCode, decodeClientFrame } from '@candor/protocol'
import type { AppContext } from '../app-context.ts'
import { sessionFromToken } from '../auth/authenticate.ts'
import type { Session } from '../auth/tokens.ts'
import { closeSocket } from './close-socket.ts'
import { SOCKET_BUDGETS } from '../server-limits.ts'

/** A frame that arrived while the auth frame was being checked, handed on in order. */
export interface EarlyFrame {
  data: Buffer
  isBinary: boolean
}

const NO_FRAMES: readonly EarlyFrame[] = Object.freeze([])

/**
 * Waits for the socket's auth frame. `onSession` runs synchronously with the socket, the
 * session, the frames that came after the auth frame (so no frame is lost between this listener
 * and the next) and when the check of the device began (performance.now()); being told the
 * socket, one function can serve every socket.
 */
export function awaitAuth(
  ws: WebSocket,
  ctx: AppContext,
  timeoutMs: number,
  onSession: (ws: WebSocket, session: Session, early: readonly EarlyFrame[], checkedFrom: number) => void,
): void {
  let checking = false
  let done = false
  // Made for the first frame that comes while the token is checked; most sockets send none.
  let early: EarlyFrame[] | undefined
  const finish = (): void => {
    done = true
    clearTimeout(timer)
    ws.off('message', onMessage)
    ws.off('close', finish)
  }
  const refuse = (code: number, reason: string): void => {
    finish()
    ctx.metrics.connectionsClosed.inc({ reason })
    closeSocket(ws, code, reason)
  }
  const onMessage = (data: Buffer, isBinary: boolean): void => {
    if (checking) {
      early ??= []
      if (early.length >= SOCKET_BUDGETS.framesBeforeAuth) return refuse(CloseCode.tooManyBadFrames, 'too_many_frames_before_auth')
      early.push({ data, isBinary })
      return
    }
    let token: string
    try {
      if (!isBinary) throw new CandorError('malformed_frame', 'frames must be binary')
      const f = decodeClientFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      if (f.type !== 'auth') throw new CandorError('unauthenticated', 'the first frame must be auth')
      token = f.token
    } catch {
      return refuse(CloseCode.authRequired, 'auth_required')
    }
    checking = true
    // Stop reading while the token is checked; the few frames already read wait in `early`.
    ws.pause()
    const checkedFrom = performance.now()
    sessionFromToken(ctx, token).then(
      (session) => {
        if (done) return
        finish()
        onSession(ws, session, early ?? NO_FRAMES, checkedFrom)
        ws.resume()
      },
      (e: unknown) => {
        if (done) return
        const err = e instanceof CandorError ? e : new CandorError('internal', 'internal error')
        if (!(e instanceof CandorError)) ctx.log.error({ err: e }, 'socket authentication failed')
        ws.resume()
        refuse(CloseCode.authRefused, err.code)
      },
    )
  }
  const timer = setTimeout(() => refuse(CloseCode.authRequired, 'auth_timeout'), timeoutMs)
  ws.on('message', onMessage)
  ws.once('close', finish)
}

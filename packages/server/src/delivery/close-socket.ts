// Closing a delivery socket with a code and a reason: the close frame goes after whatever was
// sent before it (a session_ended notice), and a peer that never answers the close handshake is
// cut after a short grace instead of ws's 30 s.
import type { WebSocket } from 'ws'

const CLOSE_GRACE_MS = 2_000

export function closeSocket(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === ws.CLOSED) return
  ws.close(code, reason)
  const cut = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS)
  cut.unref()
  ws.once('close', () => clearTimeout(cut))
}

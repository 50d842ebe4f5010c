// Disappearing messages on the device: the server's answer about a conversation's timer, the
// notice a timer change leaves in the history, and the durations people type and read.
import { CandorError, MAX_TIMER_SECONDS } from '@candor/protocol'
import type { MessageRecord } from '../message-record.ts'

export interface RetentionResponse {
  groupId: string
  retentionMs: number | null
}

export const retentionResponse = {
  safeParse(v: unknown): { success: true; data: RetentionResponse } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } {
    const o = v as Partial<RetentionResponse> | null
    if (o && typeof o.groupId === 'string' && (o.retentionMs === null || (typeof o.retentionMs === 'number' && Number.isSafeInteger(o.retentionMs) && o.retentionMs >= 0))) {
      return { success: true, data: { groupId: o.groupId, retentionMs: o.retentionMs } }
    }
    return { success: false, error: { issues: [{ path: ['retentionMs'], message: 'malformed' }] } }
  },
}

/** The whole seconds the in-band timer message carries for a timer the server applied (rounded up, never shorter). */
export function timerSeconds(ms: number | null): number | null {
  return ms === null ? null : Math.min(MAX_TIMER_SECONDS, Math.max(1, Math.ceil(ms / 1000)))
}

/** The `expiresAt` field of a record sent at `sentAt` under a timer of `ms` (none when off). */
export function expiresAt(sentAt: number, ms: number | null): { expiresAt?: number } {
  return ms === null ? {} : { expiresAt: sentAt + ms }
}

const UNITS: Array<[suffix: string, ms: number, name: string]> = [
  ['w', 7 * 86_400_000, 'week'],
  ['d', 86_400_000, 'day'],
  ['h', 3_600_000, 'hour'],
  ['m', 60_000, 'minute'],
  ['s', 1_000, 'second'],
]

/** "1 hour", "90 seconds", "off": the largest unit that states the timer exactly. */
export function formatTimer(ms: number | null): string {
  if (ms === null) return 'off'
  for (const [, unit, name] of UNITS) {
    if (ms % unit === 0) {
      const n = ms / unit
      return `${n} ${name}${n === 1 ? '' : 's'}`
    }
  }
  const s = Math.ceil(ms / 1000)
  return `${s} second${s === 1 ? '' : 's'}`
}

/** Parses "30s", "5m", "1h", "7d", "2w" (or bare seconds) into seconds, "off" into null. */
export function parseTimer(text: string): number | null {
  const t = text.trim().toLowerCase()
  if (t === 'off' || t === 'none') return null
  const m = /^(\d{1,12})\s*([smhdw]?)$/.exec(t)
  const unit = m && UNITS.find(([suffix]) => suffix === (m[2] || 's'))
  const seconds = m && unit ? (Number(m[1]) * unit[1]) / 1000 : NaN
  if (!Number.isSafeInteger(seconds) || seconds <= 0 || seconds > MAX_TIMER_SECONDS) {
    throw new CandorError('bad_request', `"${text}" is not a timer: use a duration such as 30s, 5m, 1h, 7d, or "off"`)
  }
  return seconds
}

/** The sentence a timer notice shows. */
export function describeTimer(who: string, ms: number | null): string {
  return ms === null ? `${who} turned off disappearing messages` : `${who} set disappearing messages to ${formatTimer(ms)}`
}

/** The history record of a timer change; it is not itself subject to a timer (it holds no one's words). */
export function timerNotice(n: {
  id: string
  conversation: string
  from: string
  fromDevice: string
  sentAt: number
  direction: 'in' | 'out'
  ms: number | null
}): MessageRecord {
  return {
    id: n.id,
    conversation: n.conversation,
    from: n.from,
    fromDevice: n.fromDevice,
    text: describeTimer(n.from, n.ms),
    sentAt: n.sentAt,
    receivedAt: Date.now(),
    direction: n.direction,
    kind: 'timer',
    timerMs: n.ms,
  }
}

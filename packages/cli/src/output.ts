import { formatTimer, type MessageRecord } from '@candor/sdk'

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`)
}

export function shortId(id: string): string {
  return id.slice(0, 8)
}

export function formatMessage(m: MessageRecord): string {
  const t = new Date(m.sentAt).toISOString().replace('T', ' ').slice(0, 19)
  // A notice is not something the person wrote: no "name:" before it.
  if (m.kind === 'timer') return `[${t}] (${shortId(m.conversation)}) * ${m.text}`
  // Sent by the person, but this version cannot show it: their name, then the text saying so.
  if (m.kind === 'unsupported') return `[${t}] (${shortId(m.conversation)}) ${m.from}: [${m.text}]`
  return `[${t}] (${shortId(m.conversation)}) ${m.from}: ${m.text}`
}

/** " · disappears after 1 hour" for a conversation with a timer, "" otherwise. */
export function timerLabel(ms: number | null): string {
  return ms === null ? '' : ` · disappears after ${formatTimer(ms)}`
}

export function messageJson(m: MessageRecord): Record<string, unknown> {
  return {
    conversation: m.conversation,
    from: m.from,
    fromDevice: m.fromDevice,
    text: m.text,
    id: m.id,
    sentAt: m.sentAt,
    ...(m.kind === 'timer' ? { kind: m.kind, timerMs: m.timerMs ?? null } : m.kind ? { kind: m.kind } : {}),
    ...(m.expiresAt !== undefined ? { expiresAt: m.expiresAt } : {}),
  }
}

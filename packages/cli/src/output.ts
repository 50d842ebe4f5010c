import type { MessageRecord } from '@candor/sdk'

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`)
}

export function shortId(id: string): string {
  return id.slice(0, 8)
}

export function formatMessage(m: MessageRecord): string {
  const t = new Date(m.sentAt).toISOString().replace('T', ' ').slice(0, 19)
  return `[${t}] (${shortId(m.conversation)}) ${m.from}: ${m.text}`
}

export function messageJson(m: MessageRecord): Record<string, unknown> {
  return { conversation: m.conversation, from: m.from, fromDevice: m.fromDevice, text: m.text, id: m.id, sentAt: m.sentAt }
}

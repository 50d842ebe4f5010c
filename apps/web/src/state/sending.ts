// Messages this page sends: each shows at once as 'sending', then is replaced by the record the
// server took ('sent'), or marked 'failed' with the reason (the person can retry it).
import type { CandorClient } from '@candor/sdk'
import { blobStream } from '../tabs/tab-messages.ts'
import { errorText } from './error-text.ts'
import { makeThumbnail } from './thumbnail.ts'
import { toUi, type UiMessage } from './ui-message.ts'

/** The Messenger's lists as a send changes them (each change also refreshes the conversation list). */
export interface ShownMessages {
  insert(m: UiMessage): void
  replace(id: string, m: UiMessage): void
}

/** Sends a text; `replyTo`: the id of the message it replies to (quoted). */
export async function sendText(client: CandorClient, shown: ShownMessages, conversation: string, text: string, replyTo?: string): Promise<void> {
  const local: UiMessage = {
    id: `local-${crypto.randomUUID()}`,
    conversation,
    from: client.userId,
    text,
    sentAt: Date.now(),
    direction: 'out',
    delivery: 'sending',
  }
  shown.insert(local)
  try {
    const r = replyTo === undefined ? await client.send(conversation, text) : await client.features.reply(conversation, replyTo, text)
    shown.replace(local.id, { ...toUi(r), delivery: 'sent' })
  } catch (e) {
    shown.replace(local.id, { ...local, delivery: 'failed', error: errorText(e) })
  }
}

/**
 * Sends a file: encrypted in this browser as it is read (never whole in memory), uploaded
 * with progress shown on the message, then announced to the conversation.
 */
export async function sendFile(client: CandorClient, shown: ShownMessages, conversation: string, file: File): Promise<void> {
  const local: UiMessage = {
    id: `local-${crypto.randomUUID()}`,
    conversation,
    from: client.userId,
    text: '',
    sentAt: Date.now(),
    direction: 'out',
    delivery: 'sending',
    uploading: { name: file.name, percent: 0 },
  }
  shown.insert(local)
  let percentShown = 0
  try {
    const thumbnail = await makeThumbnail(file)
    const r = await client.sendFile(conversation, {
      name: file.name,
      type: file.type || 'application/octet-stream',
      ...(thumbnail ? { thumbnail } : {}),
      stream: blobStream(file),
      size: file.size,
      onProgress: (p) => {
        const percent = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100)
        if (percent === percentShown) return
        percentShown = percent
        shown.replace(local.id, { ...local, uploading: { name: file.name, percent } })
      },
    })
    shown.replace(local.id, { ...toUi(r), delivery: 'sent' })
  } catch (e) {
    shown.replace(local.id, { ...local, uploading: { name: file.name, percent: percentShown }, delivery: 'failed', error: errorText(e) })
  }
}

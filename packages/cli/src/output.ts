import { formatTimer, type DeliveryFailure, type MessageRecord } from '@candor/sdk'

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`)
}

export function shortId(id: string): string {
  return id.slice(0, 8)
}

export function formatMessage(m: MessageRecord): string {
  const t = new Date(m.sentAt).toISOString().replace('T', ' ').slice(0, 19)
  // A notice is not something the person wrote: no "name:" before it.
  if (m.kind === 'timer' || m.kind === 'undecryptable' || m.kind === 'reset' || m.kind === 'rejoined' || m.kind === 'members' || m.kind === 'conversation' || m.kind === 'left' || m.kind === 'archive') {
    return `[${t}] (${shortId(m.conversation)}) * ${m.text}`
  }
  // Sent by the person, but this version cannot show it: their name, then the text saying so.
  if (m.kind === 'unsupported') return `[${t}] (${shortId(m.conversation)}) ${m.from}: [${m.text}]`
  const files = (m.attachments ?? []).map((a) => ` [file ${JSON.stringify(a.name)}, ${a.size} bytes: candor download ${a.blob} DIR]`).join('')
  const quote = m.replyTo ? `(re ${m.replyTo.from}: “${m.replyTo.excerpt.length > 40 ? `${m.replyTo.excerpt.slice(0, 40)}…` : m.replyTo.excerpt}”) ` : ''
  const text = m.deleted ? '(message deleted)' : `${quote}${m.text}${m.edited ? ' (edited)' : ''}`
  const reactions = Object.entries(m.reactions ?? {}).map(([e, users]) => ` ${e}${users.length}`).join('')
  return `[${t}] (${shortId(m.conversation)}) ${m.from}${m.mentioned ? ' @you' : ''}: ${text}${files}${reactions}${m.status === 'delivered' || m.status === 'read' ? ` [${m.status}]` : ''}${m.transferred ? ' (transferred)' : ''}`
}

const FAILURE_TEXT: Record<DeliveryFailure['reason'], string> = {
  epoch_unavailable: 'their device missed a change to the conversation',
  invalid_credential: 'a key did not match the key directory',
  decrypt_failed: 'could not decrypt',
  invalid_content: 'its content was invalid',
}

/** A recipient device could not decrypt one of this device's messages. */
export function formatFailure(f: DeliveryFailure, m: MessageRecord | undefined): string {
  const t = new Date(f.at).toISOString().replace('T', ' ').slice(0, 19)
  const what = m ? `your message "${m.text.length > 40 ? `${m.text.slice(0, 40)}…` : m.text}"` : `your message ${shortId(f.messageId)}`
  return `[${t}] (${shortId(f.conversation)}) ! ${what} was not delivered to ${f.userId}'s device ${shortId(f.deviceId)}: ${FAILURE_TEXT[f.reason]}`
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
    ...(m.kind === 'timer'
      ? { kind: m.kind, timerMs: m.timerMs ?? null }
      : m.kind === 'undecryptable' && m.undecryptable
        ? { kind: 'notice', notice: { type: 'undecryptable', target: { messageId: m.undecryptable.messageId, sender: m.undecryptable.sender, epoch: m.undecryptable.epoch, kind: m.undecryptable.kind }, reason: m.undecryptable.reason } }
        : m.kind === 'reset' && m.reset
          ? { kind: 'notice', notice: { type: 'reset', previousGroup: m.reset.previousGroup, leftOut: m.reset.leftOut, reason: m.reset.reason } }
          : m.kind === 'rejoined'
            ? { kind: 'notice', notice: { type: 'rejoined' } }
            : m.kind === 'members'
              ? { kind: 'notice', notice: { type: 'members', added: m.members?.added ?? [], removed: m.members?.removed ?? [], ...(m.device ? { device: m.device } : {}) } }
              : m.kind === 'left'
                ? { kind: 'notice', notice: { type: 'left' } }
                : m.kind === 'conversation'
                  ? { kind: 'notice', notice: { type: 'conversation', ...m.renamed } }
                  : m.kind === 'archive' && m.archive
                    ? { kind: 'notice', notice: { type: 'archive', org: m.archive.org, policyVersion: m.archive.policyVersion } }
            : m.kind
              ? { kind: m.kind }
          : {}),
    // docs/protocol.md §7: the status of the person's own messages; failedFor when a recipient could not decrypt.
    ...(m.direction === 'out' && m.kind === undefined ? { status: m.status ?? 'sent' } : {}),
    ...(m.failedFor ? { failedFor: m.failedFor } : {}),
    ...(m.expiresAt !== undefined ? { expiresAt: m.expiresAt } : {}),
    // docs/protocol.md §7: received through a history transfer or the backup, not live.
    ...(m.transferred ? { transferred: true } : {}),
    // docs/protocol.md §7 version 2: replies, edits, deletes, reactions, mentions on messages people wrote.
    ...(m.kind === undefined
      ? {
          replyTo: m.replyTo ?? null,
          edited: m.edited === true,
          ...(m.edited ? { editedAt: m.editedAt } : {}),
          deleted: m.deleted === true,
          reactions: m.reactions ?? {},
          mentions: m.mentions ?? [],
          ...(m.receipts ? { receipts: m.receipts } : {}),
        }
      : {}),
    // docs/protocol.md §7: the files sent with it (never their keys).
    ...(m.attachments ? { attachments: m.attachments.map((a) => ({
            id: a.blob,
            name: a.name,
            size: a.size,
            sha256: a.sha256,
            mediaType: a.mediaType,
            // The sender's preview, as sent (base64url image bytes): a script can show it without downloading the file.
            ...(a.thumbnail ? { thumbnail: { mediaType: a.thumbnail.mediaType, width: a.thumbnail.width, height: a.thumbnail.height, data: a.thumbnail.data } } : {}),
          })) } : {}),
  }
}

// What a reader of a conversation is, as "Who can read this?" shows it: a person, a bot, or a
// compliance archive — and for an archive whether this person's organisation's signed policy
// names it (docs/protocol.md §11.2). An archive the policy does not name is flagged: this device
// does not send where one is a member.
import type { Reader } from '@candor/sdk'

const KIND_LABEL: Record<Reader['kind'], string> = { person: 'Person', bot: 'Bot', archive: 'Compliance archive' }

export function ReaderKind({ reader }: { reader: Reader }) {
  if (reader.kind !== 'archive') return <span class={`kind ${reader.kind}`}>{KIND_LABEL[reader.kind]}</span>
  return reader.recognised === true ? (
    <span class="kind archive" data-testid="archive-kind" title="Keeps this conversation's messages, sealed, for your organisation's compliance officers">
      Compliance archive · named by your organisation’s policy
    </span>
  ) : (
    <span class="kind archive unrecognised" data-testid="archive-kind" role="alert">
      Archive NOT named by any policy you verified — messages are not sent here
    </span>
  )
}

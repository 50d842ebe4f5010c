// Renames the conversation and sets its topic for everyone in it (end-to-end-encrypted
// `conversation` messages, docs/protocol.md §2; the server never sees the name or the topic).
// Only what changed is sent: a new name, then a new topic (an emptied topic clears it).
import { useState } from 'preact/hooks'
import type { Messenger } from '../state/messenger.ts'

/** The protocol's limits (docs/protocol.md §2, `conversation`). */
const NAME_MAX = 100
const TOPIC_MAX = 500

export function RenameForm({
  messenger,
  conversation,
  current,
  currentTopic,
  onDone,
}: {
  messenger: Messenger
  conversation: string
  current: string
  currentTopic: string
  onDone: () => void
}) {
  const [name, setName] = useState(current)
  const [topic, setTopic] = useState(currentTopic)
  const [busy, setBusy] = useState(false)
  const n = name.trim()
  const t = topic.trim()
  const nameChanged = n !== '' && n !== current
  const topicChanged = t !== currentTopic.trim()
  return (
    <form
      class="rename bar"
      data-testid="rename-form"
      onSubmit={(e) => {
        e.preventDefault()
        if (!nameChanged && !topicChanged) return
        setBusy(true)
        const features = messenger.client.features
        ;(async () => {
          if (nameChanged) await features.rename(conversation, n)
          if (topicChanged) await features.setTopic(conversation, t === '' ? null : t)
        })()
          .then(onDone, (err: unknown) => messenger.notify(`Could not save: ${err instanceof Error ? err.message : String(err)}`))
          .finally(() => setBusy(false))
      }}
    >
      <label for="rename-name">Conversation name</label>{' '}
      <input id="rename-name" value={name} maxLength={NAME_MAX} onInput={(e) => setName(e.currentTarget.value)} />{' '}
      <label for="rename-topic">Topic</label>{' '}
      <input id="rename-topic" value={topic} maxLength={TOPIC_MAX} placeholder="What this conversation is about" onInput={(e) => setTopic(e.currentTarget.value)} />{' '}
      <button type="submit" class="primary" disabled={busy || (!nameChanged && !topicChanged)}>
        Save name
      </button>{' '}
      <button type="button" class="link" onClick={onDone}>
        Cancel
      </button>
    </form>
  )
}

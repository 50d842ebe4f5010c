// A link to someone's conversation opened here (docs/protocol.md §5.8 "Group links"). Nothing
// happens until the person asks to join; then the link is redeemed (the two become contacts) and
// its creator's device is asked, end-to-end encrypted, to add this person. That device adds them
// when it is online: this screen waits for the conversation to arrive and opens it.
import { useEffect, useRef, useState } from 'preact/hooks'
import { href, navigate } from '../router.ts'
import { errorText } from '../state/error-text.ts'
import type { Messenger } from '../state/messenger.ts'
import { useObservable } from '../state/observable.ts'

export function JoinGroupByInvite({ messenger, secret }: { messenger: Messenger; secret: string }) {
  useObservable(messenger)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [asked, setAsked] = useState<{ direct: string; creator: string } | null>(null)
  /** The conversations this device was in before asking: the first other one to arrive is the group. */
  const known = useRef<Set<string> | null>(null)

  const ask = async () => {
    setBusy(true)
    setError(null)
    try {
      known.current = new Set(messenger.conversations.map((c) => c.id))
      const direct = await messenger.client.groupInvites.join(`#/join/${secret}`)
      known.current.add(direct)
      const creator = messenger.conversation(direct)?.others[0] ?? 'the person who made it'
      setAsked({ direct, creator })
    } catch (e) {
      known.current = null
      setError(errorText(e))
    } finally {
      setBusy(false)
    }
  }

  const arrived = asked && known.current ? messenger.conversations.find((c) => !known.current!.has(c.id)) : undefined
  useEffect(() => {
    if (arrived) navigate({ name: 'conversation', id: arrived.id })
  }, [arrived?.id])

  return (
    <section class="card inset stack" aria-labelledby="join-title">
      <h2 id="join-title">You are invited to a conversation</h2>
      <p>
        Someone sent you a link to join a conversation. Asking makes you and them each other’s contacts; their device then adds you, and
        everyone in the conversation sees that you were added.
      </p>
      {error && (
        <p class="error" role="alert" data-testid="join-error">
          {error}
        </p>
      )}
      {asked ? (
        <p role="status" data-testid="join-waiting">
          Asked {messenger.personLabel(asked.creator)} to add you. Their device adds you when it is online; the conversation opens here then.{' '}
          <a href={href({ name: 'conversation', id: asked.direct })}>Your conversation with them</a>
        </p>
      ) : (
        <button type="button" class="primary" disabled={busy} onClick={() => void ask()}>
          Ask to join
        </button>
      )}
    </section>
  )
}

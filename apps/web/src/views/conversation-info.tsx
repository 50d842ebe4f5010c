// "Who can read this?": every person and device that holds this conversation's keys, read
// from the MLS group state this device verified, each key checked against the directory.
// Also where members are added and removed, where the disappearing timer is set, and whether a
// legal hold applies.
import { useEffect, useState } from 'preact/hooks'
import { formatTimer, parseTimer, type Reader } from '@candor/sdk'
import { DeviceCode } from '../components/device-code.tsx'
import { MuteToggle } from '../components/mute-toggle.tsx'
import { TrustBadge } from '../components/trust-badge.tsx'
import { href, navigate } from '../router.ts'
import { errorText } from '../state/error-text.ts'
import type { Messenger } from '../state/messenger.ts'
import { useObservable } from '../state/observable.ts'
import { PaneHeader } from './conversation-view.tsx'
import { HideConversation } from '../components/hide-conversation.tsx'
import { ReaderKind } from '../components/reader-kind.tsx'
import { GroupInviteLinks } from '../components/group-invite-links.tsx'
import { LegalHoldNotice } from '../components/legal-hold-notice.tsx'
import { DirectoryLinkNote } from '../components/directory-link-note.tsx'

export function ConversationInfo({ messenger, id }: { messenger: Messenger; id: string }) {
  useObservable(messenger.verification)
  const c = messenger.conversation(id)
  const [readers, setReaders] = useState<Reader[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [adding, setAdding] = useState('')
  const [busy, setBusy] = useState<string | null>(null)
  const [timer, setTimer] = useState('')
  const epochKey = `${c?.members.join(',')}|${c?.status}`

  useEffect(() => {
    messenger.client
      .whoCanRead(id)
      .then(setReaders)
      .catch((e: unknown) => setError(errorText(e)))
  }, [id, epochKey])

  if (!c) return null
  const me = messenger.client.userId
  const active = c.status === 'active'

  const act = async (what: string, f: () => Promise<void>) => {
    setBusy(what)
    setError(null)
    try {
      await f()
    } catch (e) {
      setError(errorText(e))
    } finally {
      setBusy(null)
    }
  }

  return (
    <section class="pane" aria-labelledby="info-title">
      <PaneHeader title="Who can read this?" titleId="info-title" subtitle={c.title} back={href({ name: 'conversation', id })} />
      <div class="pad stack scroll">
        <MuteToggle messenger={messenger} id={id} />
        <p class="muted small">
          These are all the devices holding this conversation’s keys, taken from the encrypted group itself. Each device key is checked
          against the key directory. Nobody else — including the server — can read the messages.
        </p>
        <Encryption messenger={messenger} id={id} />
        <LegalHoldNotice messenger={messenger} id={id} refresh={epochKey} />
        <DirectoryLinkNote messenger={messenger} id={id} refresh={epochKey} />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {readers === null ? (
          <p class="muted" role="status">
            Checking…
          </p>
        ) : (
          <ul class="readers" aria-label="People and devices who can read this conversation" data-testid="readers">
            {readers.map((r) => (
              <li key={r.userId} class="reader" data-testid="reader" data-user={r.userId}>
                <div class="reader-head">
                  <strong>{r.userId === me ? `${r.userId} (you)` : r.userId}</strong>
                  <ReaderKind reader={r} />
                  {r.userId !== me && <TrustBadge state={messenger.verification.state(r.userId)} />}
                  <span class="spacer" />
                  {r.userId !== me && (
                    <a class="button small" href={href({ name: 'safety', id, userId: r.userId })}>
                      Safety number
                    </a>
                  )}
                  {r.userId !== me && active && c.others.length > 1 && (
                    <button
                      type="button"
                      class="small danger-text"
                      disabled={busy !== null}
                      aria-label={`Remove ${r.userId} from this conversation`}
                      onClick={() => void act(`remove ${r.userId}`, () => messenger.removeMember(id, r.userId))}
                    >
                      {busy === `remove ${r.userId}` ? 'Removing…' : 'Remove'}
                    </button>
                  )}
                </div>
                <ul class="devices" aria-label={`${r.userId}'s devices`}>
                  {r.devices.map((d) => (
                    <li key={d.deviceId}>
                      <DeviceCode deviceId={d.deviceId} />
                      {d.self && <span class="muted small"> this device</span>}
                      <span class={`check ${d.verified ? 'ok' : 'bad'}`}>{d.verified ? ' ✓ key matches directory' : ' ✗ key not in directory'}</span>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        )}
        {active && (
          <form
            class="row"
            data-testid="timer-form"
            onSubmit={(e) => {
              e.preventDefault()
              void act('timer', async () => {
                // Parsed here first: a typo gets a clear message and changes nothing.
                await messenger.setTimer(id, parseTimer(timer))
                setTimer('')
              })
            }}
          >
            <label class="grow">
              Disappearing messages
              <input
                name="timer"
                list="timer-choices"
                placeholder="off, 30s, 5m, 1h, 7d…"
                value={timer}
                onInput={(e) => setTimer(e.currentTarget.value)}
                aria-describedby="timer-now"
              />
            </label>
            <datalist id="timer-choices">
              {['off', '5m', '1h', '1d', '7d', '4w'].map((v) => (
                <option key={v} value={v} />
              ))}
            </datalist>
            <button type="submit" disabled={busy !== null || !timer.trim()}>
              {busy === 'timer' ? 'Setting…' : 'Set timer'}
            </button>
            <p id="timer-now" class="muted small" data-testid="timer-now" style={{ flexBasis: '100%', margin: 0 }}>
              {c.timer === null
                ? 'Off: messages stay until someone deletes them.'
                : `Messages sent now disappear after ${formatTimer(c.timer)}, from every member’s devices and from the server.`}{' '}
              Any member can change this, within what your organisation’s policy allows.
            </p>
          </form>
        )}
        {active && (
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault()
              const people = adding.split(/[\s,]+/).filter(Boolean)
              void act('add', async () => {
                await messenger.addMembers(id, people)
                setAdding('')
              })
            }}
          >
            <label class="grow">
              Add people
              <input name="add" placeholder="user names, comma separated" value={adding} onInput={(e) => setAdding(e.currentTarget.value)} />
            </label>
            <button type="submit" disabled={busy !== null || !adding.trim()}>
              {busy === 'add' ? 'Adding…' : 'Add'}
            </button>
          </form>
        )}
        {active && <GroupInviteLinks messenger={messenger} id={id} />}
        {active && (
          <button
            type="button"
            class="danger-text"
            disabled={busy !== null}
            onClick={() =>
              confirm('Leave this conversation? You will stop receiving its messages.') &&
              void act('leave', async () => {
                await messenger.leave(id)
                navigate({ name: 'home' })
              })
            }
          >
            Leave conversation
          </button>
        )}
      </div>
      <div class="pad">
        <HideConversation messenger={messenger} id={id} />
      </div>
    </section>
  )
}

/** The conversation's MLS cipher suite (docs/protocol.md §5.0), from this device's own group state. */
function Encryption({ messenger, id }: { messenger: Messenger; id: string }) {
  let e
  try {
    e = messenger.client.encryptionOf(id)
  } catch {
    return null
  }
  return (
    <p class="small" data-testid="suite" data-suite-id={e.suiteId}>
      Encryption: <strong>{e.label}</strong>
      {e.postQuantum
        ? ' — keys are agreed with a hybrid post-quantum KEM, so messages recorded today stay unreadable to a future quantum computer. The suite’s code point is provisional until the IETF settles it.'
        : ' — made before post-quantum keys, or with a device that has none; it keeps working. A new conversation uses post-quantum keys when every device has them.'}
    </p>
  )
}

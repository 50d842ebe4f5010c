// A card of invite links (docs/protocol.md §5.8), for a person (Settings) or for a conversation
// ("Who can read this?"): make a link with a number of uses, see how often each was used and
// whether it still works, revoke one. What a link is for is the caller's: `create`, `load`,
// `revoke`.
import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import type { InviteInfo } from '@candor/protocol'
import { errorText } from '../state/error-text.ts'

function state(i: InviteInfo): string {
  if (i.revoked) return 'revoked'
  if (i.expiresAt <= Date.now()) return 'expired'
  if (i.uses >= i.maxUses) return 'used up'
  return `until ${new Date(i.expiresAt).toLocaleDateString()}`
}

export interface LinkCardProps {
  /** Prefix of the card's element ids. */
  name: string
  title: string
  help: ComponentChildren
  createLabel: string
  primary?: boolean
  testIds: { section?: string; link: string; list?: string; item: string }
  listLabel?: string
  revokeLabel: (i: InviteInfo) => string
  load: () => Promise<InviteInfo[]>
  /** Makes a link usable `maxUses` times; resolves with the link to show. */
  create: (maxUses: number) => Promise<string>
  revoke: (inviteId: string) => Promise<void>
  /** The list is read again when one of these changes. */
  reloadOn: unknown[]
}

export function LinkCard(p: LinkCardProps) {
  const [list, setList] = useState<InviteInfo[]>([])
  const [link, setLink] = useState<string | null>(null)
  const [uses, setUses] = useState('1')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const refresh = () => p.load().then(setList, (e: unknown) => setError(errorText(e)))
  useEffect(() => void refresh(), p.reloadOn)

  const run = async (work: () => Promise<void>) => {
    setBusy(true)
    setError(null)
    try {
      await work()
      await refresh()
    } catch (e) {
      setError(errorText(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="card inset stack" aria-labelledby={`${p.name}-title`} data-testid={p.testIds.section}>
      <h3 id={`${p.name}-title`}>{p.title}</h3>
      <p class="muted small" id={`${p.name}-help`}>
        {p.help}
      </p>
      <label>
        Uses
        <input type="number" min={1} max={100} value={uses} onInput={(e) => setUses(e.currentTarget.value)} aria-describedby={`${p.name}-help`} />
      </label>
      <button type="button" class={p.primary ? 'primary' : undefined} disabled={busy} onClick={() => void run(async () => setLink(await p.create(Math.max(1, Math.min(100, Number(uses) || 1)))))}>
        {p.createLabel}
      </button>
      {link && (
        <label>
          Your new link (send it to the person)
          <input readOnly value={link} data-testid={p.testIds.link} onFocus={(e) => e.currentTarget.select()} />
        </label>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {list.length > 0 && (
        <ul class="plain-list" aria-label={p.listLabel} data-testid={p.testIds.list}>
          {list.map((i) => (
            <li key={i.inviteId} data-testid={p.testIds.item}>
              <span class="small">
                {i.uses}/{i.maxUses} used · {state(i)}
              </span>{' '}
              {!i.revoked && (
                <button type="button" class="link" disabled={busy} onClick={() => void run(() => p.revoke(i.inviteId))} aria-label={p.revokeLabel(i)}>
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

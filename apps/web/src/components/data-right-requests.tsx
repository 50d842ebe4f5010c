// Settings → Your data → "Your requests" (docs/protocol.md §4.10 `dataRights`): whether the
// person's organisation puts their export and the deletion of their account under an admin's
// approval, and where each request stands; they ask for an approval here, and withdraw their own
// pending request. What the server refuses is shown in plain words, then the list is read again.
import { useEffect, useState } from 'preact/hooks'
import { CandorError, type DataRight, type DataRightRequestInfo, type DataRightStatus } from '@candor/protocol'
import type { CandorClient } from '@candor/sdk'
import { formatDateTime } from './time.ts'
import { errorText } from '../state/error-text.ts'

const NAME: Record<DataRight, string> = { export: 'Export of your data', deletion: 'Deleting your account' }
const VERB: Record<DataRight, string> = { export: 'export', deletion: 'deletion' }

/** The server's refusal of a withdrawal, in words the person can act on. */
function refusalText(e: unknown): string {
  if (e instanceof CandorError && e.code === 'conflict') {
    const why = /\(([^)]+)\)$/.exec(e.message)?.[1]
    return `This request can no longer be withdrawn: ${why ? `it was ${why}` : 'it is no longer pending'}. Nothing was changed.`
  }
  if (e instanceof CandorError && e.code === 'not_found') return 'You have no such request. Nothing was changed.'
  return errorText(e)
}

function stateText(s: DataRightStatus): string {
  switch (s.state) {
    case 'allowed':
      return 'No approval needed: you may go ahead at any time.'
    case 'none':
      return 'Needs an admin’s approval first. You have not asked.'
    case 'pending':
      return `Needs an admin’s approval first. Your request is waiting for it (until ${formatDateTime(s.expiresAt!)}).`
    case 'approved':
      return `Approved: you may go ahead once, until ${formatDateTime(s.expiresAt!)}.`
  }
}

const REQUEST_STATE: Record<DataRightRequestInfo['state'], { tag: string; text: (r: DataRightRequestInfo) => string }> = {
  pending: { tag: 'pending', text: (r) => `waiting for an admin’s approval until ${formatDateTime(r.expiresAt)}` },
  approved: { tag: 'active', text: (r) => `approved: you may go ahead once, until ${formatDateTime(r.expiresAt)}` },
  used: { tag: 'active', text: (r) => `used ${formatDateTime(r.endedAt!)}` },
  withdrawn: { tag: 'revoked', text: (r) => `you withdrew it ${formatDateTime(r.endedAt!)}; nothing was done with it` },
  ended: { tag: 'revoked', text: (r) => `declined or expired ${formatDateTime(r.endedAt!)}; nothing was done with it` },
}

export function DataRightRequests({ client }: { client: CandorClient }) {
  const [rights, setRights] = useState<DataRightStatus[] | null>(null)
  const [requests, setRequests] = useState<DataRightRequestInfo[]>([])
  const [error, setError] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [tick, setTick] = useState(0)

  useEffect(() => {
    let live = true
    client
      .dataRights()
      .then((r) => {
        if (!live) return
        setRights(r.rights)
        setRequests(r.requests)
      })
      .catch((e: unknown) => live && setError(`Your requests could not be loaded: ${errorText(e)}`))
    return () => {
      live = false
    }
  }, [tick])

  const act = async (what: () => Promise<string>, refused: (e: unknown) => string) => {
    setBusy(true)
    setError(null)
    setDone(null)
    try {
      setDone(await what())
    } catch (e) {
      setError(refused(e))
    } finally {
      setBusy(false)
      setTick((n) => n + 1)
    }
  }
  const ask = (right: DataRight) =>
    act(
      async () => {
        await client.requestDataRight(right)
        return `You asked for an admin’s approval of your ${VERB[right]}.`
      },
      (e) => `Your request could not be sent: ${errorText(e)}`,
    )
  const withdraw = (s: DataRightStatus) =>
    act(async () => {
      await client.withdrawDataRight(s.id!)
      return `You withdrew your ${VERB[s.right]} request. Nothing will be done with it.`
    }, refusalText)

  return (
    <section aria-labelledby="data-rights-title" data-testid="data-rights">
      <h4 id="data-rights-title">Your requests</h4>
      <p class="muted small">Your organisation’s policy says whether exporting your data or deleting your account needs an admin’s approval first.</p>
      {error && (
        <p class="error" role="alert" data-testid="data-rights-error">
          {error}
        </p>
      )}
      {done && (
        <p class="small" role="status" data-testid="data-rights-done">
          {done}
        </p>
      )}
      {rights === null ? (
        !error && (
          <p class="muted" role="status">
            Loading your requests…
          </p>
        )
      ) : (
        <ul class="device-list">
          {rights.map((s) => (
            <li key={s.right} data-testid="data-right" data-right={s.right} data-state={s.state}>
              <span class="grow">
                <strong>{NAME[s.right]}</strong>
                {s.state === 'pending' && <span class="tag pending">pending</span>}
                {s.state === 'approved' && <span class="tag active">approved</span>}
                <span class="small"> {stateText(s)}</span>
              </span>
              {s.state === 'none' && (
                <button type="button" disabled={busy} onClick={() => void ask(s.right)}>
                  Ask for approval of your {VERB[s.right]}
                </button>
              )}
              {s.state === 'pending' && (
                <button type="button" class="danger-text" disabled={busy} onClick={() => void withdraw(s)}>
                  Withdraw your {VERB[s.right]} request
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {requests.length > 0 && (
        <ul class="device-list" aria-label="Your past and open requests" data-testid="data-right-history">
          {requests.map((r) => (
            <li key={r.id} data-testid="data-right-request" data-id={r.id} data-state={r.state}>
              <span class="grow">
                {NAME[r.right]}, asked {formatDateTime(r.requestedAt)} <span class={`tag ${REQUEST_STATE[r.state].tag}`}>{r.state}</span>
                <span class="small"> {REQUEST_STATE[r.state].text(r)}</span>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

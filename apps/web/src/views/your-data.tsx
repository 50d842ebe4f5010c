// "Your data" in Settings: who else accessed this person's data (access receipts, each proven
// in the signed access log and opened on this device), their signed consent ledger (and any
// compliance archive in their conversations, with their own consent or its absence), their
// requests where the organisation puts export or deletion under an admin's approval, an export
// of everything as one ZIP holding the signed BagIt folder, and account deletion. A receipt
// the server kept from the person, which their key-directory entry commits to, is shown as an
// alert above the list.
import { useEffect, useState } from 'preact/hooks'
import type { LedgerEntry, VerifiedReceipt, WithheldReceipts } from '@candor/sdk'
import { DataRightRequests } from '../components/data-right-requests.tsx'
import { formatDateTime } from '../components/time.ts'
import { zipStore } from '../components/zip-store.ts'
import { errorText } from '../state/error-text.ts'
import type { Messenger } from '../state/messenger.ts'
import { eraseThisBrowser } from '../state/session.ts'
import type { IndexedDbLocalStore } from '../storage/indexeddb-local-store.ts'

type ArchiveConsent = { conversation: string; archives: string[]; consent: 'given' | 'withdrawn' | 'none' }

function Receipt({ r }: { r: VerifiedReceipt }) {
  if (!r.receipt) {
    return (
      <li data-testid="access-receipt" data-index={r.index}>
        <span class="muted">Receipt #{r.index}: sealed to another of your devices; open it there.</span>
      </li>
    )
  }
  const x = r.receipt
  const delayed = x.notice.delayedUntil !== null
  return (
    <li data-testid="access-receipt" data-index={r.index} data-delayed={delayed ? 'true' : 'false'}>
      <div>
        <strong>{formatDateTime(x.when.from)}</strong> — {x.accessor.role.replace(/_/g, ' ')} <code>{x.accessor.pseudonym}</code> ({x.accessor.org})
        {delayed && <span class="tag pending">notice delayed until {formatDateTime(x.notice.delayedUntil!)}</span>}
      </div>
      <div class="small">
        What: {x.what.categories.join(', ').replace(/_/g, ' ')}
        {x.what.resources.length > 0 && <span class="muted"> ({x.what.resources.join(', ')})</span>}
      </div>
      <div class="small">
        Why: {x.why.code.replace(/_/g, ' ')}, case <strong data-testid="receipt-case">{x.why.caseRef}</strong>
      </div>
      {r.inLogSince !== null && <div class="muted small">This device saw it in the signed log by {formatDateTime(r.inLogSince)}.</div>}
    </li>
  )
}

export function YourData({ messenger, store }: { messenger: Messenger; store: IndexedDbLocalStore }) {
  const client = messenger.client
  const [receipts, setReceipts] = useState<VerifiedReceipt[] | null>(null)
  const [withheld, setWithheld] = useState<WithheldReceipts | null>(null)
  const [ledger, setLedger] = useState<LedgerEntry[] | null>(null)
  const [archives, setArchives] = useState<ArchiveConsent[]>([])
  const [error, setError] = useState<string | null>(null)
  const [progress, setProgress] = useState<{ done: number; total: number; step: string } | null>(null)
  const [confirmText, setConfirmText] = useState('')
  const [deleting, setDeleting] = useState(false)
  const [deletion, setDeletion] = useState<string | null>(null)
  const [tick, setTick] = useState(0)

  useEffect(() => {
    let live = true
    setError(null)
    client
      .checkedReceipts()
      .then((r) => {
        if (!live) return
        setReceipts(r.receipts)
        setWithheld(r.withheld)
      })
      .catch((e: unknown) => live && setError(`Access receipts could not be checked: ${errorText(e)}`))
    client
      .consentLedger()
      .then(async (l) => {
        const a = await client.archiveConsents(l)
        if (live) {
          setLedger(l)
          setArchives(a)
        }
      })
      .catch((e: unknown) => live && setError(`The consent ledger could not be checked: ${errorText(e)}`))
    return () => {
      live = false
    }
  }, [tick])

  const exportData = async () => {
    setError(null)
    setProgress({ done: 0, total: 1, step: 'starting' })
    try {
      const files = await client.exportData((done, total, step) => setProgress({ done, total, step }))
      const zip = zipStore(files)
      const url = URL.createObjectURL(new Blob([zip], { type: 'application/zip' }))
      const a = document.createElement('a')
      a.href = url
      a.download = `candor-export-${client.userId}-${new Date().toISOString().slice(0, 10)}.zip`
      a.click()
      setTimeout(() => URL.revokeObjectURL(url), 60_000)
    } catch (e) {
      setError(`Export failed: ${errorText(e)}`)
    } finally {
      setProgress(null)
    }
  }

  const deleteAccount = async () => {
    setDeleting(true)
    setError(null)
    try {
      const receipt = await client.deleteAccount()
      messenger.stop()
      setDeletion(receipt.text)
    } catch (e) {
      setError(`Deletion failed: ${errorText(e)}`)
    } finally {
      setDeleting(false)
    }
  }

  if (deletion !== null) {
    return (
      <section aria-labelledby="deleted-title" class="card inset">
        <h3 id="deleted-title">Your account was deleted</h3>
        <p class="small">The server signed this deletion receipt with its access-log key and logged it; this device checked both. Keep a copy.</p>
        <pre data-testid="deletion-receipt" class="small">{deletion}</pre>
        <a class="button" download="candor-deletion-receipt.txt" href={`data:text/plain;charset=utf-8,${encodeURIComponent(deletion)}`}>
          Save the receipt
        </a>{' '}
        <button type="button" class="danger-text" onClick={() => void eraseThisBrowser(store)}>
          Erase this browser and finish
        </button>
      </section>
    )
  }

  return (
    <section aria-labelledby="your-data-title" data-testid="your-data">
      <h3 id="your-data-title">Your data</h3>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}

      <h4>Who else accessed it</h4>
      <p class="muted small">Every access by an admin, support, a compliance officer or a legal hold leaves a receipt, checked here against the signed access log.</p>
      {withheld && (
        <div class="banner danger" role="alert" data-testid="receipt-withheld">
          <strong>The server is keeping an access receipt from you.</strong> Your key-directory entry shows that someone accessed your data, but the
          server did not hand this device the receipt: {withheld.reason}. Treat it as an access you were not told about, and ask your administrator or
          the operator which one it was.
        </div>
      )}
      {receipts === null ? (
        <p class="muted" role="status">
          Checking receipts…
        </p>
      ) : receipts.length === 0 ? (
        <p data-testid="no-receipts">{withheld ? 'The server handed this device no receipts.' : 'No one else has accessed your data.'}</p>
      ) : (
        <ul class="receipt-list" data-testid="access-receipts">
          {receipts.map((r) => (
            <Receipt key={r.index} r={r} />
          ))}
        </ul>
      )}
      <button type="button" disabled={receipts === null} onClick={() => setTick((n) => n + 1)}>
        Check again
      </button>

      <h4>Your consents</h4>
      {ledger === null ? (
        <p class="muted" role="status">
          Checking consents…
        </p>
      ) : ledger.length === 0 ? (
        <p class="muted small">No consent records.</p>
      ) : (
        <ul class="device-list" data-testid="consents">
          {ledger.map((e) => (
            <li key={e.seq} data-testid="consent" data-purpose={e.record.purpose} data-state={e.record.state}>
              <span class="grow">
                <span class={`tag ${e.record.state === 'given' ? 'active' : 'revoked'}`}>{e.record.state}</span> {e.record.purpose.replace(/_/g, ' ')} <code>{e.record.scope}</code>
                <span class="muted small"> {formatDateTime(e.record.at)}, signed by device {e.record.deviceId}</span>
              </span>
            </li>
          ))}
        </ul>
      )}
      {archives.map((a) => (
        <p key={a.conversation} class="banner warning" data-testid="archive-consent" data-consent={a.consent}>
          A compliance archive ({a.archives.join(', ')}) is a member of conversation <code>{a.conversation}</code>.{' '}
          {a.consent === 'given' ? 'You consented.' : a.consent === 'withdrawn' ? 'You withdrew your consent.' : 'You have not consented to it.'}
        </p>
      ))}

      <DataRightRequests client={client} />

      <h4>Export</h4>
      <p class="muted small">
        Everything, built in this browser: your conversations, devices, key-directory history, access receipts and consents, as a BagIt folder with a signed SHA-256 manifest, in one ZIP. Check it with <code>candor verify-export</code>.
      </p>
      <button type="button" class="primary" disabled={progress !== null} onClick={() => void exportData()}>
        {progress ? 'Exporting…' : 'Export my data'}
      </button>
      {progress && (
        <p class="small" role="status">
          <progress max={progress.total} value={progress.done} /> {progress.step}
        </p>
      )}

      <h4>Delete your account</h4>
      <p class="muted small">
        You leave every conversation, the server erases everything it holds about you and signs a deletion receipt. This cannot be undone. Type your user name, <strong>{client.userId}</strong>, to confirm.
      </p>
      <label>
        User name to confirm
        <input value={confirmText} onInput={(e) => setConfirmText((e.target as HTMLInputElement).value)} autoComplete="off" />
      </label>{' '}
      <button type="button" class="danger-text" disabled={confirmText !== client.userId || deleting} onClick={() => void deleteAccount()}>
        {deleting ? 'Deleting…' : 'Delete my account'}
      </button>
    </section>
  )
}

// The organisation's audit trail: every admin action, each entry's inclusion proof checked on this
// device against a checkpoint signed by the pinned access-log key (and pages checked consistent).
// A trail that fails a check is not shown: the failure is.
import type { VerifiedAuditEntry } from '@candor/sdk'
import { formatDateTime } from '../components/time.ts'
import type { AdminScreenProps } from './admin-console.tsx'
import { useLoad } from './use-admin.ts'

const details = (e: VerifiedAuditEntry) =>
  Object.entries(e.entry.details)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ')

export function AdminAudit({ client, org }: AdminScreenProps) {
  const trail = useLoad(() => client.admin.audit(org))
  const t = trail.value
  return (
    <div class="admin-section">
      {trail.error && (
        <p class="error" role="alert">
          {trail.error}
        </p>
      )}
      <p>
        <button type="button" onClick={() => trail.reload()}>
          Reload the trail
        </button>
      </p>
      {t === null && !trail.error && (
        <p class="muted" role="status">
          Checking the trail…
        </p>
      )}
      {t && (
        <>
          <p data-testid="audit-verified" class="admin-ok">
            ✓ {t.entries.length} entries, each proven to be in the log of {t.checkpoint.size} entries signed by the pinned access-log key (root{' '}
            <code>{t.checkpoint.root.slice(0, 16)}…</code>).
          </p>
          <table class="admin-table" data-testid="audit">
            <caption>Audit trail of {org}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">On</th>
                <th scope="col">Details</th>
                <th scope="col">Proof</th>
              </tr>
            </thead>
            <tbody>
              {[...t.entries].reverse().map((e) => (
                <tr key={e.index} data-action={e.entry.action} data-index={e.index}>
                  <td>{e.index}</td>
                  <td>{formatDateTime(e.entry.at)}</td>
                  <td>
                    {e.entry.actor.id}
                    {e.entry.actor.role && ` (${e.entry.actor.role})`}
                  </td>
                  <td>{e.entry.action}</td>
                  <td class="admin-wrap">{e.entry.target ?? '—'}</td>
                  <td class="admin-wrap">{details(e)}</td>
                  <td data-testid="audit-proof">verified</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  )
}

// Pending approvals (two-person control): the organisation's open requests; another admin who may
// take the action approves or declines one here (the requester cannot approve their own, but may
// withdraw it), and the requester then runs the action with an approved one. Each request and
// approval writes a receipt and an audit entry; a decline writes an audit entry. Below them, the
// devices held for an admin's approval (admin-held-devices.tsx).
import type { ApprovalInfo } from '@candor/protocol'
import { formatDateTime } from '../components/time.ts'
import type { AdminScreenProps } from './admin-console.tsx'
import { AdminHeldDevices } from './admin-held-devices.tsx'
import { AdminOutcome } from './admin-outcome.tsx'
import { JUSTIFICATION_LABELS, useAction, useLoad } from './use-admin.ts'

const why = (a: ApprovalInfo) => JUSTIFICATION_LABELS[a.reason.why as keyof typeof JUSTIFICATION_LABELS] ?? a.reason.why

export function AdminApprovals({ client, me, org }: AdminScreenProps) {
  const list = useLoad(() => client.admin.approvals(org))
  const act = useAction(() => list.reload())
  const approvals = list.value ?? []

  return (
    <div class="admin-section">
      <AdminOutcome loads={[list.error]} act={act} />
      {list.value !== null && approvals.length === 0 && <p class="muted">No open requests.</p>}
      {approvals.length > 0 && (
        <table class="admin-table" data-testid="approvals">
          <caption>Open requests in {org}</caption>
          <thead>
            <tr>
              <th scope="col">Request</th>
              <th scope="col">Asked by</th>
              <th scope="col">Reason</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {approvals.map((a) => (
              <tr key={a.id} data-approval={a.id} data-state={a.state}>
                <td>
                  {a.action} <code>{a.target}</code>
                </td>
                <td>
                  {a.requestedBy}, {formatDateTime(a.requestedAt)}
                </td>
                <td>
                  {why(a)}, case {a.reason.case}
                  {a.reason.delayUntil !== undefined && `, notice delayed until ${formatDateTime(a.reason.delayUntil)}`}
                </td>
                <td>
                  {a.state === 'pending' ? (
                    a.requestedBy === client.userId ? (
                      <>
                        waiting for another admin{' '}
                        <button
                          type="button"
                          class="small danger-text"
                          disabled={act.busy !== null}
                          onClick={() =>
                            void act.run(`withdraw ${a.id}`, async () => {
                              await client.admin.decline(org, a.id)
                              return `Withdrew your request (${a.action}).`
                            })
                          }
                        >
                          Withdraw<span class="visually-hidden"> your request {a.id}</span>
                        </button>
                      </>
                    ) : (
                      <>
                      <button
                        type="button"
                        class="small primary"
                        disabled={act.busy !== null}
                        onClick={() =>
                          void act.run(`approve ${a.id}`, async () => {
                            await client.admin.approve(org, a.id)
                            return `Approved ${a.requestedBy}’s request (${a.action}); they can now run it once.`
                          })
                        }
                      >
                        Approve<span class="visually-hidden"> {a.requestedBy}’s request</span>
                      </button>{' '}
                      <button
                        type="button"
                        class="small danger-text"
                        disabled={act.busy !== null}
                        onClick={() =>
                          void act.run(`decline ${a.id}`, async () => {
                            await client.admin.decline(org, a.id)
                            return `Declined ${a.requestedBy}’s request (${a.action}): it can no longer be approved or used.`
                          })
                        }
                      >
                        Decline<span class="visually-hidden"> {a.requestedBy}’s request</span>
                      </button>
                      </>
                    )
                  ) : (
                    `${a.state} by ${a.approvedBy ?? '?'}`
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <AdminHeldDevices client={client} me={me} org={org} />
    </div>
  )
}

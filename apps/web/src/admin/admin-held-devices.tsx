// Held devices (docs/organisations.md "Policies", devices.adminApproval): where the organisation's
// policy asks for it, a new device its person approved waits — it cannot sign in — until an admin
// with `people.approve` approves it too, or declines it (revoked). Either names a reason, which
// goes into the person's access receipt and the audit trail. An admin whose role lacks the
// permission sees the server's refusal in plain words.
import { useState } from 'preact/hooks'
import type { HeldDevice } from '@candor/protocol'
import { DeviceCode } from '../components/device-code.tsx'
import { formatDateTime } from '../components/time.ts'
import type { AdminScreenProps } from './admin-console.tsx'
import { ReasonFields } from './reason-fields.tsx'
import { useAction, useLoad, type Reason } from './use-admin.ts'

export function AdminHeldDevices({ client, org }: AdminScreenProps) {
  const held = useLoad(() => client.admin.heldDevices(org))
  const [reason, setReason] = useState<Reason>({ why: 'support_request', case: '' })
  const act = useAction(() => held.reload())
  const devices = held.value?.devices ?? []

  const decide = (d: HeldDevice, verdict: 'approve' | 'decline') =>
    act.run(`${verdict} ${d.deviceId}`, async () => {
      await client.admin.approveDevice(org, d.deviceId, reason, verdict)
      return verdict === 'approve'
        ? `Approved ${d.name} of ${d.userId}: it can now sign in. A receipt was logged to them.`
        : `Declined ${d.name} of ${d.userId}: it is revoked and will never sign in. A receipt was logged to them.`
    })

  return (
    <section class="admin-section" aria-labelledby="held-devices-title" data-testid="held-devices-section">
      <h3 id="held-devices-title">Held devices</h3>
      <p class="muted small">
        Where the organisation’s policy asks for an admin’s approval of new devices, a device its person approved waits here; it cannot sign in until an admin
        approves it.
      </p>
      {held.error && (
        <p class="error" role="alert" data-testid="held-devices-error">
          {held.error}
        </p>
      )}
      {act.error && (
        <p class="error" role="alert" data-testid="held-devices-error">
          {act.error}
        </p>
      )}
      {act.message && (
        <p role="status" data-testid="held-devices-outcome">
          {act.message}
        </p>
      )}
      {held.value === null && !held.error && (
        <p class="muted" role="status">
          Loading…
        </p>
      )}
      {held.value !== null && devices.length === 0 && <p class="muted">No devices are held for approval.</p>}
      {devices.length > 0 && (
        <>
          <ReasonFields reason={reason} onChange={setReason} idPrefix="held" />
          {reason.case === '' && <p class="muted small">Give a case reference to approve or decline a device.</p>}
          <table class="admin-table" data-testid="held-devices">
            <caption>Devices held for approval in {org}</caption>
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Device</th>
                <th scope="col">Added</th>
                <th scope="col">Decision</th>
              </tr>
            </thead>
            <tbody>
              {devices.map((d) => (
                <tr key={d.deviceId} data-held-device={d.deviceId} data-user={d.userId}>
                  <td>{d.userId}</td>
                  <td>
                    <strong>{d.name}</strong> <DeviceCode deviceId={d.deviceId} />
                  </td>
                  <td>{formatDateTime(d.createdAt)}</td>
                  <td>
                    <button type="button" class="small primary" disabled={act.busy !== null || reason.case === ''} onClick={() => void decide(d, 'approve')}>
                      Approve<span class="visually-hidden"> {d.name} of {d.userId}</span>
                    </button>{' '}
                    <button type="button" class="small danger-text" disabled={act.busy !== null || reason.case === ''} onClick={() => void decide(d, 'decline')}>
                      Decline<span class="visually-hidden"> {d.name} of {d.userId}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  )
}

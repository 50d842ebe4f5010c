// People and their devices: the organisation's members and guests; a person's devices (a read of
// their data: it names a reason, which goes into their access receipt) and suspending one. Where
// the policy puts an action under two-person control, the server refuses it until a second admin
// approves the request asked for here; the same call then runs with that approval.
import { useState } from 'preact/hooks'
import type { DeviceInfo, OrganisationMembers } from '@candor/protocol'
import type { CandorClient } from '@candor/sdk'
import { DeviceCode } from '../components/device-code.tsx'
import type { AdminScreenProps } from './admin-console.tsx'
import { ReasonFields } from './reason-fields.tsx'
import { needsApproval, useAction, useLoad, type Reason } from './use-admin.ts'

type Member = OrganisationMembers['members'][number]
type Gated = 'users.read' | 'devices.suspend'

export async function everyone(client: CandorClient, org: string): Promise<Member[]> {
  const all: Member[] = []
  let after: string | undefined
  for (;;) {
    const page = await client.admin.members(org, after)
    all.push(...page.members)
    if (page.next === null) return all
    after = page.next
  }
}

export function AdminPeople({ client, org }: AdminScreenProps) {
  const people = useLoad(() => everyone(client, org))
  const [reason, setReason] = useState<Reason>({ why: 'support_request', case: '' })
  const [open, setOpen] = useState<string | null>(null)
  const [devices, setDevices] = useState<DeviceInfo[] | null>(null)
  // An action the server refused for want of approval: what to ask for; then the request's id.
  const [gated, setGated] = useState<{ action: Gated; target: string } | null>(null)
  const [approvals, setApprovals] = useState<Record<string, string>>({})
  const act = useAction()
  const key = (action: Gated, target: string) => `${action} ${target}`

  // Refused for want of approval: use this admin's own approved, unused request for this very
  // call if there is one (the server checks it again); else say one is waiting, or offer to ask.
  const gatedRun = async (action: Gated, target: string, f: (approval: string | undefined) => Promise<string>) => {
    setGated(null)
    await act.run(key(action, target), async () => {
      try {
        return await f(approvals[key(action, target)])
      } catch (e) {
        if (!needsApproval(e)) throw e
        // The server names targets `user:<id>` and `device:<id>`.
        const named = `${action === 'users.read' ? 'user' : 'device'}:${target}`
        const mine = (await client.admin.approvals(org)).filter(
          (a) => a.requestedBy === client.userId && a.action === action && a.target === named && a.reason.why === reason.why && a.reason.case === reason.case,
        )
        const approved = mine.find((a) => a.state === 'approved')
        if (approved) {
          setApprovals((m) => ({ ...m, [key(action, target)]: approved.id }))
          return await f(approved.id)
        }
        const waiting = mine.find((a) => a.state === 'pending')
        if (waiting) throw new Error(`Your request ${waiting.id} is waiting for another admin’s approval.`)
        setGated({ action, target })
        throw e
      }
    })
  }

  const showDevices = (userId: string) =>
    gatedRun('users.read', userId, async (approval) => {
      setOpen(userId)
      setDevices(null)
      const list = await client.admin.devices(userId, { ...reason, ...(approval ? { approval } : {}) })
      setDevices(list)
      return `Read ${userId}’s devices; a receipt was logged to them.`
    })

  const suspend = (d: DeviceInfo) =>
    gatedRun('devices.suspend', d.deviceId, async (approval) => {
      const after = await client.admin.suspendDevice(d.deviceId, { ...reason, ...(approval ? { approval } : {}) })
      setDevices((list) => list && list.map((x) => (x.deviceId === d.deviceId ? after : x)))
      return `Suspended ${d.name} of ${d.userId}.`
    })

  const askApproval = () =>
    gated &&
    act.run('ask', async () => {
      const a = await client.admin.requestApproval(org, { action: gated.action, target: gated.target, why: reason.why, case: reason.case })
      setApprovals((m) => ({ ...m, [key(gated.action, gated.target)]: a.id }))
      setGated(null)
      return `Approval requested (${a.id}). Once another admin approves it, do the same again: it will use the approval.`
    })

  return (
    <div class="admin-section">
      <ReasonFields reason={reason} onChange={setReason} idPrefix="people" />
      {act.error && (
        <p class="error" role="alert">
          {act.error}
        </p>
      )}
      {act.message && (
        <p role="status" data-testid="people-outcome">
          {act.message}
        </p>
      )}
      {gated && (
        <p>
          <button type="button" class="primary" disabled={act.busy !== null || reason.case === ''} onClick={() => void askApproval()}>
            Ask a second admin to approve
          </button>
        </p>
      )}
      {people.error && (
        <p class="error" role="alert">
          {people.error}
        </p>
      )}
      {people.value === null && !people.error ? (
        <p class="muted" role="status">
          Loading…
        </p>
      ) : (
        <table class="admin-table" data-testid="people">
          <caption>People of {org}</caption>
          <thead>
            <tr>
              <th scope="col">Person</th>
              <th scope="col">Role</th>
              <th scope="col">Devices</th>
            </tr>
          </thead>
          <tbody>
            {(people.value ?? []).map((p) => (
              <tr key={p.userId} data-user={p.userId}>
                <td>
                  {p.userId}
                  {p.guest && <span class="tag">guest</span>}
                </td>
                <td>{p.role ?? '—'}</td>
                <td>
                  <button type="button" class="small" disabled={act.busy !== null || reason.case === ''} onClick={() => void showDevices(p.userId)}>
                    Devices<span class="visually-hidden"> of {p.userId}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {reason.case === '' && <p class="muted small">Give a case reference to read a person’s devices.</p>}
      {open && devices && (
        <section aria-labelledby="admin-devices-title">
          <h3 id="admin-devices-title">Devices of {open}</h3>
          <ul class="device-list" data-testid="admin-devices">
            {devices.map((d) => (
              <li key={d.deviceId} data-testid="admin-device" data-status={d.status}>
                <span class="grow">
                  <strong>{d.name}</strong> <DeviceCode deviceId={d.deviceId} /> <span class={`tag ${d.status}`}>{d.status}</span>
                </span>
                {d.status === 'active' && (
                  <button type="button" class="danger-text" disabled={act.busy !== null || reason.case === ''} onClick={() => void suspend(d)}>
                    Suspend<span class="visually-hidden"> {d.name}</span>
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  )
}
